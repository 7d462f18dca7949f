using MongoDB.Driver;

namespace ScanGate.Tests.Infrastructure;

/// <summary>A fresh database on the MongoDB server SCANGATE_TEST_MONGO names, dropped afterwards. MongoDB cannot be
/// installed on the project's machines: tests that need it report themselves skipped where the variable is unset.</summary>
public sealed class MongoTestDatabase : IAsyncDisposable
{
    private static readonly string? ConnectionString = Environment.GetEnvironmentVariable("SCANGATE_TEST_MONGO");

    public static string? SkipReason => string.IsNullOrEmpty(ConnectionString)
        ? "no MongoDB server here: set SCANGATE_TEST_MONGO to a connection string to run the MongoDB adapters' contract tests" : null;

    private readonly MongoClient _client;
    private readonly string _name;
    public IMongoDatabase Database { get; }

    private MongoTestDatabase(MongoClient client, string name)
    {
        _client = client;
        _name = name;
        Database = client.GetDatabase(name);
    }

    public static MongoTestDatabase Create() =>
        new(new MongoClient(ConnectionString), "scangate_test_" + Guid.NewGuid().ToString("N")[..12]);

    public async ValueTask DisposeAsync()
    {
        await _client.DropDatabaseAsync(_name);
        _client.Dispose();
    }
}

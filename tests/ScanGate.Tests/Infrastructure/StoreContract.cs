using MongoDB.Driver;
using Npgsql;

namespace ScanGate.Tests.Infrastructure;

public enum StoreBackend { Memory, Postgres, Mongo }

/// <summary>
/// The frame of a store contract: one abstract suite of tests that each adapter runs through a one-line subclass
/// naming its backend. Each test gets a fresh store (on a database made for it, and dropped after). MongoDB
/// cannot be installed on the project's machines: its tests run where SCANGATE_TEST_MONGO names a server and
/// report themselves skipped everywhere else, rather than passing unseen.
/// </summary>
public abstract class StoreContract<TStore>(StoreBackend backend) : IAsyncLifetime where TStore : class
{
    private TStore? _store;
    private IAsyncDisposable? _database;

    protected abstract TStore CreateInMemory();
    protected abstract TStore CreateOnPostgres(NpgsqlDataSource dataSource);
    protected abstract Task<TStore> CreateOnMongoAsync(IMongoDatabase database);

    private string? SkipReason => backend == StoreBackend.Mongo ? MongoTestDatabase.SkipReason : null;

    /// <summary>The store under test; a test of an adapter whose server is missing reports itself skipped.</summary>
    protected TStore Store
    {
        get
        {
            Skip.If(SkipReason is not null, SkipReason);
            return _store!;
        }
    }

    public async Task InitializeAsync()
    {
        if (SkipReason is not null) return;
        switch (backend)
        {
            case StoreBackend.Postgres:
                var postgres = await PostgresDatabase.CreateAsync();
                _database = postgres;
                _store = CreateOnPostgres(postgres.DataSource);
                break;
            case StoreBackend.Mongo:
                var mongo = MongoTestDatabase.Create();
                _database = mongo;
                _store = await CreateOnMongoAsync(mongo.Database);
                break;
            default:
                _store = CreateInMemory();
                break;
        }
    }

    public async Task DisposeAsync()
    {
        if (_database is not null) await _database.DisposeAsync();
    }
}

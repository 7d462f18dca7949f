using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ScanGate.Storage.Postgres;

namespace ScanGate.Tests.Infrastructure;

/// <summary>A fresh database on the real PostgreSQL server that tests/run.sh starts, dropped afterwards.
/// SCANGATE_TEST_POSTGRES names the server (a connection string to its maintenance database).</summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("SCANGATE_TEST_POSTGRES") ?? "Host=127.0.0.1;Username=scangate;Password=scangate;Database=postgres";

    public string Name { get; }
    public string ConnectionString { get; }
    public NpgsqlDataSource DataSource { get; }

    private PostgresDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
        DataSource = NpgsqlDataSource.Create(connectionString);
    }

    /// <summary>Creates the database and, unless told otherwise, migrates it to the latest schema.</summary>
    public static async Task<PostgresDatabase> CreateAsync(bool migrate = true)
    {
        var name = "scangate_test_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = NpgsqlDataSource.Create(ServerConnectionString))
        await using (var cmd = admin.CreateCommand($"CREATE DATABASE {name}"))
            await cmd.ExecuteNonQueryAsync();
        var db = new PostgresDatabase(name, new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = name }.ConnectionString);
        if (migrate) await db.Migrator().MigrateAsync();
        return db;
    }

    public SchemaMigrator Migrator() => new(DataSource, NullLogger<SchemaMigrator>.Instance);

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var admin = NpgsqlDataSource.Create(ServerConnectionString);
        await using var cmd = admin.CreateCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
        await cmd.ExecuteNonQueryAsync();
    }
}

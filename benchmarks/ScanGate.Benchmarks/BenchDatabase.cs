using Npgsql;
using ScanGate.Storage.Postgres;

namespace ScanGate.Benchmarks;

/// <summary>A fresh, migrated database on the PostgreSQL server (SCANGATE_BENCH_POSTGRES, else the one
/// tests/run.sh sets up), dropped afterwards.</summary>
public sealed class BenchDatabase : IAsyncDisposable
{
    private static string Server => Environment.GetEnvironmentVariable("SCANGATE_BENCH_POSTGRES") ?? "Host=127.0.0.1;Username=scangate;Password=scangate;Database=postgres";
    private readonly string _name;
    public string ConnectionString { get; }

    private BenchDatabase(string name, string connectionString) { _name = name; ConnectionString = connectionString; }

    public static async Task<BenchDatabase> CreateAsync()
    {
        var name = "scangate_bench_" + Guid.NewGuid().ToString("N")[..8];
        await using (var admin = NpgsqlDataSource.Create(Server))
        await using (var create = admin.CreateCommand($"CREATE DATABASE {name}"))
            await create.ExecuteNonQueryAsync();
        var db = new BenchDatabase(name, new NpgsqlConnectionStringBuilder(Server) { Database = name }.ConnectionString);
        await using (var ds = NpgsqlDataSource.Create(db.ConnectionString))
            await new SchemaMigrator(ds, Microsoft.Extensions.Logging.Abstractions.NullLogger<SchemaMigrator>.Instance).MigrateAsync();
        return db;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var admin = NpgsqlDataSource.Create(Server);
        await using var drop = admin.CreateCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)");
        await drop.ExecuteNonQueryAsync();
    }
}

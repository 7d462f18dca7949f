using Npgsql;

namespace ScanGate.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL server of the test's own (initdb and pg_ctl from the machine's PostgreSQL 15, in a temporary
/// directory, on a free loopback port), so a test can stop and start it without touching the shared server other
/// tests use. Trust authentication on 127.0.0.1 only; the directory is removed on dispose.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private const string Bin = "/usr/lib/postgresql/15/bin";
    private readonly string _dir;
    public int Port { get; }
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=scangate;Database=postgres";

    private PrivatePostgres(string dir, int port) { _dir = dir; Port = port; }

    public static bool Available => File.Exists(Path.Combine(Bin, "pg_ctl"));

    public static async Task<PrivatePostgres> StartAsync()
    {
        var dir = Directory.CreateTempSubdirectory("scangate-pg-").FullName;
        var pg = new PrivatePostgres(dir, Net.FreePort());
        // PostgreSQL refuses to run as root: as root, its tools run as the postgres user, which must own the directory.
        if (Environment.UserName == "root") await Proc.RunCheckedAsync("chown", "postgres", dir);
        await pg.RunAsync("initdb", "-D", pg.DataDir, "-U", "scangate", "-A", "trust", "--no-sync");
        await pg.StartServerAsync();
        return pg;
    }

    private string DataDir => Path.Combine(_dir, "data");

    /// <summary>Starts the server and waits until it accepts connections.</summary>
    public Task StartServerAsync() =>
        RunAsync("pg_ctl", "-D", DataDir, "-l", Path.Combine(_dir, "server.log"), "-w", "-t", "60",
            "-o", $"-p {Port} -k {_dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start");

    /// <summary>Stops the server (fast: open connections are cut) and waits until it is down.</summary>
    public Task StopServerAsync() => RunAsync("pg_ctl", "-D", DataDir, "-m", "fast", "-w", "-t", "60", "stop");

    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using (var admin = NpgsqlDataSource.Create(ConnectionString))
        await using (var cmd = admin.CreateCommand($"CREATE DATABASE {name}"))
            await cmd.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    private Task<string> RunAsync(string tool, params string[] args) =>
        Environment.UserName == "root"
            ? Proc.RunCheckedAsync("runuser", ["-u", "postgres", "--", Path.Combine(Bin, tool), .. args])
            : Proc.RunCheckedAsync(Path.Combine(Bin, tool), args);

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await Proc.RunAsync(Environment.UserName == "root" ? "runuser" : Path.Combine(Bin, "pg_ctl"),
            Environment.UserName == "root"
                ? ["-u", "postgres", "--", Path.Combine(Bin, "pg_ctl"), "-D", DataDir, "-m", "immediate", "-w", "stop"]
                : ["-D", DataDir, "-m", "immediate", "-w", "stop"]);
        Directory.Delete(_dir, recursive: true);
    }
}

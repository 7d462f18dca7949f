using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ScanGate.Storage.Postgres;

/// <summary>
/// Applies deploy/sql/NNN_*.sql in order, each in its own transaction, recording each in schema_version.
/// Safe to run twice (applied files are skipped); refuses a database whose schema is newer than this build.
/// Concurrent runs serialise on an advisory lock.
/// </summary>
public sealed partial class SchemaMigrator(NpgsqlDataSource dataSource, ILogger<SchemaMigrator> logger)
{
    private const long AdvisoryLockKey = 0x5CA9_6A7E;

    public sealed record Script(int Version, string Name, string Sql);

    public static IReadOnlyList<Script> Scripts { get; } = LoadScripts();

    public static int LatestVersion => Scripts.Count == 0 ? 0 : Scripts[^1].Version;

    private static IReadOnlyList<Script> LoadScripts()
    {
        var asm = typeof(SchemaMigrator).Assembly;
        return asm.GetManifestResourceNames()
            .Select(n => (Name: n, Match: ScriptName().Match(n)))
            .Where(x => x.Match.Success)
            .Select(x =>
            {
                using var reader = new StreamReader(asm.GetManifestResourceStream(x.Name)!);
                return new Script(int.Parse(x.Match.Groups["v"].Value), x.Match.Groups["name"].Value, reader.ReadToEnd());
            })
            .OrderBy(s => s.Version)
            .ToList();
    }

    /// <summary>Brings the schema to <see cref="LatestVersion"/>; returns the versions applied now.</summary>
    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await Exec(conn, null, $"SELECT pg_advisory_lock({AdvisoryLockKey})", cancellationToken);
        try
        {
            await Exec(conn, null, """
                CREATE TABLE IF NOT EXISTS schema_version (
                    version    integer     PRIMARY KEY,
                    name       text        NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, cancellationToken);
            var current = await CurrentVersionAsync(conn, cancellationToken);
            if (current > LatestVersion)
                throw new InvalidOperationException(
                    $"the database schema is at version {current}, newer than this build knows ({LatestVersion}); upgrade ScanGate instead of migrating down");
            var applied = new List<int>();
            foreach (var script in Scripts.Where(s => s.Version > current))
            {
                await using var tx = await conn.BeginTransactionAsync(cancellationToken);
                await Exec(conn, tx, script.Sql, cancellationToken);
                await using (var record = new NpgsqlCommand("INSERT INTO schema_version (version, name) VALUES (@v, @n)", conn, tx))
                {
                    record.Parameters.AddWithValue("v", script.Version);
                    record.Parameters.AddWithValue("n", script.Name);
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }
                await tx.CommitAsync(cancellationToken);
                logger.LogInformation("Applied schema {Version:000} {Name}", script.Version, script.Name);
                applied.Add(script.Version);
            }
            return applied;
        }
        finally
        {
            await Exec(conn, null, $"SELECT pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None);
        }
    }

    public async Task<int> CurrentVersionAsync(CancellationToken cancellationToken = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        return await CurrentVersionAsync(conn, cancellationToken);
    }

    private static async Task<int> CurrentVersionAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('schema_version') IS NOT NULL", conn))
            if (!(bool)(await exists.ExecuteScalarAsync(ct))!) return 0;
        await using var cmd = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM schema_version", conn);
        return Convert.ToInt32(await cmd.ExecuteScalarAsync(ct));
    }

    private static async Task Exec(NpgsqlConnection conn, NpgsqlTransaction? tx, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    [GeneratedRegex(@"sql/(?<v>\d{3})_(?<name>[a-z0-9_]+)\.sql$")]
    private static partial Regex ScriptName();
}

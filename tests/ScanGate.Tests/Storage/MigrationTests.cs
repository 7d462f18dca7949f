using Npgsql;
using ScanGate.Storage.Postgres;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Storage;

/// <summary>The versioned schema migration on a real PostgreSQL server.</summary>
public sealed class MigrationTests
{
    [Fact]
    public async Task Migrates_an_empty_database_once_is_safe_to_run_again_and_refuses_a_newer_schema()
    {
        await using var db = await PostgresDatabase.CreateAsync(migrate: false);
        var migrator = db.Migrator();
        Assert.Equal(0, await migrator.CurrentVersionAsync());

        var applied = await migrator.MigrateAsync();
        Assert.Equal(SchemaMigrator.Scripts.Select(s => s.Version), applied);
        Assert.Equal(SchemaMigrator.LatestVersion, await migrator.CurrentVersionAsync());
        await using (var cmd = db.DataSource.CreateCommand("SELECT count(*) FROM information_schema.tables WHERE table_name IN ('findings','finding_triage','scans','audit_log')"))
            Assert.Equal(4L, await cmd.ExecuteScalarAsync());

        Assert.Empty(await migrator.MigrateAsync()); // a second run changes nothing
        await Task.WhenAll(migrator.MigrateAsync(), db.Migrator().MigrateAsync()); // nor do two at once

        await using (var cmd = db.DataSource.CreateCommand($"INSERT INTO schema_version (version, name) VALUES ({SchemaMigrator.LatestVersion + 1}, 'from_the_future')"))
            await cmd.ExecuteNonQueryAsync();
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => migrator.MigrateAsync());
        Assert.Contains("newer than this build", refused.Message);
    }

    [Fact]
    public void The_scripts_are_embedded_numbered_and_without_gaps()
    {
        var versions = SchemaMigrator.Scripts.Select(s => s.Version).ToList();
        Assert.NotEmpty(versions);
        Assert.Equal(Enumerable.Range(1, versions.Count), versions);
    }
}

using System.Net.Http.Json;
using Npgsql;
using ScanGate.Storage.Postgres;
using ScanGate.Tests.Api;
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

/// <summary>The silo's one-shot migrate verb, and the embedded host with its stores on PostgreSQL.</summary>
public sealed class PostgresHostTests
{
    [Fact]
    public async Task The_silo_migrate_verb_applies_the_schema_then_finds_nothing_to_do()
    {
        await using var db = await PostgresDatabase.CreateAsync(migrate: false);
        var silo = SiloAssembly.Path();
        var first = await RunSilo(silo, db.ConnectionString);
        Assert.True(first.Code == 0, first.Err);
        Assert.Contains($"schema migrated to version {SchemaMigrator.LatestVersion}", first.Out);
        var second = await RunSilo(silo, db.ConnectionString);
        Assert.True(second.Code == 0, second.Err);
        Assert.Contains("nothing to do", second.Out);
        var missing = await Proc.RunAsync("dotnet", silo, "--migrate", "--ConnectionStrings:Postgres", "");
        Assert.Equal(2, missing.Code);
    }

    private static Task<(int Code, string Out, string Err)> RunSilo(string silo, string cs) =>
        Proc.RunAsync("dotnet", silo, "--migrate", "--ConnectionStrings:Postgres", cs);

    [Fact]
    public async Task Scans_findings_triage_and_audit_land_in_postgres()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        await using var host = await ApiHost.StartAsync("--ScanGate:Storage:Provider", "postgres", "--ConnectionStrings:Postgres", db.ConnectionString);
        var target = new Uri(host.BaseAddress, "/healthz");
        var id = (await ApiHost.PostJsonAsync(host.Http, "/api/v1/scans", new { scan_type = "security_headers", target = target.ToString() })).GetProperty("id").GetString()!;
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while ((await host.Http.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/scans/{id}")).GetProperty("status").GetString() != "completed")
        {
            Assert.True(DateTime.UtcNow < deadline);
            await Task.Delay(200);
        }
        var findings = (await host.Http.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/scans/{id}/findings")).GetProperty("items");
        Assert.True(findings.GetArrayLength() > 0);
        await ApiHost.PostJsonAsync(host.Http, "/api/v1/findings/bulk", new { ids = new[] { findings[0].GetProperty("id").GetString() }, status = "accepted_risk" });

        async Task<long> Count(string sql)
        {
            await using var cmd = db.DataSource.CreateCommand(sql);
            return (long)(await cmd.ExecuteScalarAsync())!;
        }
        Assert.Equal(findings.GetArrayLength(), await Count($"SELECT count(*) FROM findings WHERE scan_id = '{id}'"));
        Assert.Equal(1, await Count("SELECT count(*) FROM finding_triage WHERE status = 4"));
        Assert.Equal(1, await Count($"SELECT count(*) FROM scans WHERE id = '{id}' AND status = 3 AND gate_passed IS NOT NULL"));
        Assert.True(await Count("SELECT count(*) FROM audit_log WHERE action IN ('scan.triggered', 'finding.triaged')") >= 2);
        var listed = await host.Http.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/scans?status=completed");
        Assert.Equal(id, listed.GetProperty("items")[0].GetProperty("id").GetString());
    }
}

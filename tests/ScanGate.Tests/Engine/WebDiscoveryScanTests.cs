using Microsoft.Extensions.DependencyInjection;
using ScanGate.Contracts;
using ScanGate.Storage;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Engine;

/// <summary>sqlmap, ffuf and WhatWeb in their real containers (images from deploy/scanners, Debian trixie packages),
/// driven by real grains, against sites this test serves on 127.0.0.1 with what they should find planted: an
/// injectable parameter over SQLite (<see cref="InjectableShop"/>), an exposed .git/HEAD and backup.zip
/// (<see cref="PlantedWebServer"/>), a framework and version the site announces.</summary>
public sealed class WebDiscoveryScanTests(ScanClusterFixture fixture) : IClassFixture<ScanClusterFixture>
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(5);
    private ScanCluster Cluster => fixture.Cluster;

    private Task<(ScanSnapshot Done, IReadOnlyList<Finding> Findings)> ScanAsync(object request) => Cluster.ScanToCompletionAsync(request, Long);

    [Fact]
    public async Task Sqlmap_finds_the_injectable_parameter_over_sqlite_and_names_parameter_technique_and_dbms()
    {
        await using var shop = await InjectableShop.StartAsync();
        var (done, findings) = await ScanAsync(new { scan_type = "web_vulnerability", target = shop.Url("/"), scanners = new[] { "sqlmap" }, fail_on_severity = "high" });

        var sqli = Assert.Single(findings);
        Assert.Equal(shop.Url("/product"), sqli.Location.Url);
        Assert.Equal("sql-injection:GET:id", sqli.RuleId);
        Assert.Contains("GET parameter 'id'", sqli.Title);
        Assert.Contains("boolean-based blind", sqli.Title);
        Assert.Contains("SQLite", sqli.Title);
        Assert.Equal(Severity.High, sqli.Severity);
        Assert.False(done.GatePassed);
    }

    [Fact]
    public async Task Sqlmap_finds_nothing_where_the_parameter_is_bound()
    {
        await using var shop = await InjectableShop.StartAsync(plantInjection: false);
        var (done, findings) = await ScanAsync(new { scan_type = "web_vulnerability", target = shop.Url("/"), scanners = new[] { "sqlmap" }, fail_on_severity = "low" });

        Assert.Empty(findings);
        Assert.Equal(RunStatus.Completed, Assert.Single(done.Scanners).Status);
        Assert.True(done.GatePassed);
        // Clean because it was examined: sqlmap's own report says it tested the bound parameter and found nothing.
        var artifacts = Cluster.SiloServices.GetRequiredService<IArtifactStore>();
        var raw = Assert.Single(await artifacts.ListAsync(done.Id), a => a.Type == ArtifactType.RawReport);
        await using var report = await artifacts.OpenAsync(done.Id, raw.Name);
        var text = await new StreamReader(report!.Content).ReadToEndAsync();
        Assert.Contains($"testing URL '{shop.Url("/safe?id=2")}'", text);
        Assert.Contains("all tested parameters do not appear to be injectable", text);
    }

    [Fact]
    public async Task Sqlmap_tests_the_operations_of_an_openapi_document_in_api_security()
    {
        await using var shop = await InjectableShop.StartAsync();
        var (_, findings) = await ScanAsync(new { scan_type = "api_security", target = shop.Url("/openapi.json"), scanners = new[] { "sqlmap" } });

        var sqli = Assert.Single(findings);
        Assert.Equal(shop.Url("/product"), sqli.Location.Url);
        Assert.Contains("SQLite", sqli.Title);
    }

    [Fact]
    public async Task Ffuf_reports_the_exposed_git_head_and_backup_archive_with_status_and_size()
    {
        await using var site = await PlantedWebServer.StartAsync();
        var (done, findings) = await ScanAsync(new { scan_type = "web_vulnerability", target = site.Url, scanners = new[] { "ffuf" }, fail_on_severity = "high" });

        var git = Assert.Single(findings, f => f.Location.Url == site.Url + ".git/HEAD");
        Assert.Equal((Severity.High, "exposed-vcs"), (git.Severity, git.RuleId));
        Assert.Contains("HTTP 200, 21 bytes", git.Description);
        var backup = Assert.Single(findings, f => f.Location.Url == site.Url + "backup.zip");
        Assert.Equal((Severity.High, "exposed-backup"), (backup.Severity, backup.RuleId));
        Assert.Contains("HTTP 200, 22 bytes", backup.Description);
        Assert.DoesNotContain(findings, f => f.Location.Url == site.Url + ".env"); // not there, not reported
        Assert.False(done.GatePassed);
    }

    [Fact]
    public async Task Whatweb_names_the_framework_and_version_the_site_announces()
    {
        await using var shop = await InjectableShop.StartAsync();
        var (_, findings) = await ScanAsync(new { scan_type = "lightweight_comprehensive", target = shop.Url("/"), scanners = new[] { "whatweb" } });

        var wordpress = Assert.Single(findings, f => f.Location.Package == "WordPress");
        Assert.Equal(("4.7.1", Severity.Info), (wordpress.Location.Version, wordpress.Severity));
        var poweredBy = Assert.Single(findings, f => f.RuleId == "version-disclosure:X-Powered-By");
        Assert.Equal(Severity.Low, poweredBy.Severity);
        Assert.Contains("PHP/7.4.3", poweredBy.Title);
    }

    [Fact]
    public async Task Web_vulnerability_by_default_runs_sqlmap_and_ffuf_and_shows_a_scanner_without_image_as_skipped()
    {
        await using var shop = await InjectableShop.StartAsync();
        var (done, findings) = await ScanAsync(new { scan_type = "web_vulnerability", target = shop.Url("/") });

        Assert.Equal(["ffuf", "sqlmap", "zap"], done.Scanners.Select(s => s.Name).Order());
        Assert.Equal(RunStatus.Completed, done.Scanners.Single(s => s.Name == "sqlmap").Status);
        Assert.Equal(RunStatus.Completed, done.Scanners.Single(s => s.Name == "ffuf").Status);
        Assert.Contains(findings, f => f.Scanner == "sqlmap" && f.RuleId == "sql-injection:GET:id");
        Assert.Contains(findings, f => f.Scanner == "ffuf" && f.Location.Url == shop.Url("/.git/HEAD"));
        Assert.Contains(findings, f => f.Scanner == "ffuf" && f.Location.Url == shop.Url("/backup.zip"));
        // ZAP's image needs the internet to build: where it is missing, ZAP is shown skipped and the verdict says so.
        var zap = done.Scanners.Single(s => s.Name == "zap");
        if (!await DockerCli.HasImageAsync("scangate/zap:latest"))
        {
            Assert.Equal(RunStatus.Skipped, zap.Status);
            Assert.Contains("scangate/zap:latest", zap.Error);
            Assert.Contains(done.GateReasons, r => r.StartsWith("scanner zap was skipped", StringComparison.Ordinal));
        }
    }
}

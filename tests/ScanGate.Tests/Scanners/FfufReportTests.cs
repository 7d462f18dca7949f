using ScanGate.Contracts;
using ScanGate.Scanners.Adapters;
using static ScanGate.Tests.Infrastructure.Reports;

namespace ScanGate.Tests.Scanners;

/// <summary>ffuf's JSON report. Fixtures/ffuf-2.1.0.json is a real run of ffuf 2.1.0-dev (Debian trixie, image
/// scangate/ffuf, dirb's common.txt with ours, extensions .zip and .bak) against a site on 127.0.0.1 that exposes
/// .env, .git/HEAD, backup.zip and /admin.</summary>
public sealed class FfufReportTests
{
    [Fact]
    public async Task Exposed_repository_env_file_and_backup_are_high_admin_is_medium_and_each_path_is_one_finding()
    {
        await using var file = File.OpenRead(Fixture("ffuf-2.1.0.json"));
        var (findings, context) = await ParseAsync(new FfufAdapter(), file);

        Assert.Empty(context.Warnings);
        var byPath = findings.ToDictionary(f => new Uri(f.Location.Url!).AbsolutePath);
        Assert.Equal(["/", "/.env", "/.git/HEAD", "/admin", "/backup.zip", "/product", "/safe"], byPath.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((Severity.High, "exposed-vcs"), (byPath["/.git/HEAD"].Severity, byPath["/.git/HEAD"].RuleId));
        Assert.Equal((Severity.High, "exposed-secrets"), (byPath["/.env"].Severity, byPath["/.env"].RuleId));
        Assert.Equal((Severity.High, "exposed-backup"), (byPath["/backup.zip"].Severity, byPath["/backup.zip"].RuleId));
        Assert.Equal((Severity.Medium, "exposed-admin"), (byPath["/admin"].Severity, byPath["/admin"].RuleId));
        Assert.Equal(Severity.Info, byPath["/product"].Severity);
        Assert.Equal("Exposed backup or dump: /backup.zip (200)", byPath["/backup.zip"].Title);
        Assert.Contains("HTTP 200, 504 bytes", byPath["/backup.zip"].Description);
        Assert.All(findings, f => Assert.Equal(FindingCategories.Misconfiguration, f.Category));
    }

    [Theory]
    [InlineData(".git/config", 200, Severity.High)]
    [InlineData(".git/config", 403, Severity.Medium)]
    [InlineData("db.sql", 200, Severity.High)]
    [InlineData("site.tar.gz", 200, Severity.High)]
    [InlineData("wp-config.php~", 200, Severity.High)]
    [InlineData("debug/pprof/", 200, Severity.Medium)]
    [InlineData("server-status", 401, Severity.Low)]
    [InlineData(".htaccess", 200, Severity.Low)]
    [InlineData("images", 301, Severity.Info)]
    public void A_path_is_judged_by_what_it_exposes_and_a_refused_one_a_step_lower(string path, int status, Severity expected) =>
        Assert.Equal(expected, FfufAdapter.Judge(path, status).Severity);

    [Theory]
    [InlineData("http://127.0.0.1:8080/", "http://127.0.0.1:8080/FUZZ")]
    [InlineData("http://127.0.0.1:8080/shop/index.php?x=1", "http://127.0.0.1:8080/shop/FUZZ")]
    [InlineData("https://example.test/app/", "https://example.test/app/FUZZ")]
    public void Words_go_under_the_directory_the_target_names(string target, string expected) =>
        Assert.Equal(expected, FfufAdapter.FuzzUrl(target));
}

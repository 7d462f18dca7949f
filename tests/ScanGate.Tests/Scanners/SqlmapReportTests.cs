using System.Text;
using ScanGate.Contracts;
using ScanGate.Scanners.Adapters;
using static ScanGate.Tests.Infrastructure.Reports;

namespace ScanGate.Tests.Scanners;

/// <summary>sqlmap's report as scan-web keeps it. Fixtures are real runs of sqlmap 1.9.6 (Debian trixie, image
/// scangate/sqlmap) against a small shop on 127.0.0.1 whose /product?id= is concatenated into SQLite SQL and whose
/// /safe?id= is bound: Fixtures/sqlmap-1.9.6-site.txt crawled from the site's root, sqlmap-1.9.6-openapi.txt read from
/// its OpenAPI document.</summary>
public sealed class SqlmapReportTests
{
    private static async Task<(List<Finding> Findings, ScanGate.Scanners.FindingContext Context)> ParseFixtureAsync(string name)
    {
        await using var file = File.OpenRead(Fixture(name));
        return await ParseAsync(new SqlmapAdapter(), file);
    }

    [Theory]
    [InlineData("sqlmap-1.9.6-site.txt")]
    [InlineData("sqlmap-1.9.6-openapi.txt")]
    public async Task The_injectable_parameter_is_one_finding_naming_parameter_techniques_and_dbms_and_the_bound_one_is_none(string fixture)
    {
        var (findings, context) = await ParseFixtureAsync(fixture);

        var sqli = Assert.Single(findings);
        Assert.Empty(context.Warnings);
        Assert.Equal("sql-injection:GET:id", sqli.RuleId);
        Assert.Equal("SQL injection in GET parameter 'id' (boolean-based blind, time-based blind, UNION query; SQLite)", sqli.Title);
        Assert.Equal((Severity.High, FindingCategories.Vulnerability), (sqli.Severity, sqli.Category));
        Assert.Matches(@"^http://127\.0\.0\.1:\d+/product$", sqli.Location.Url);
        Assert.Contains("back-end DBMS: SQLite", sqli.Description);
        Assert.Contains("- UNION query: Generic UNION query (NULL) - 2 columns (payload: id=1 UNION ALL SELECT", sqli.Description);
        Assert.Contains("CWE-89", sqli.References);
    }

    [Fact]
    public async Task A_report_cut_inside_the_injection_block_keeps_what_it_holds_and_says_it_was_cut()
    {
        var text = await File.ReadAllTextAsync(Fixture("sqlmap-1.9.6-site.txt"));
        var cut = text[..(text.IndexOf("    Type: time-based blind", StringComparison.Ordinal))];
        var (findings, context) = await ParseAsync(new SqlmapAdapter(), new MemoryStream(Encoding.UTF8.GetBytes(cut)));

        var sqli = Assert.Single(findings);
        Assert.Equal("SQL injection in GET parameter 'id' (boolean-based blind; DBMS not identified)", sqli.Title);
        Assert.Contains(context.Warnings, w => w.Contains("cut off", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Parameters_of_two_urls_are_two_findings_with_their_own_fingerprints()
    {
        var text = await File.ReadAllTextAsync(Fixture("sqlmap-1.9.6-openapi.txt"));
        var block = text[text.IndexOf("[scangate] target: GET", StringComparison.Ordinal)..text.IndexOf("[scangate] target: GET http://127.0.0.1:18555/safe", StringComparison.Ordinal)];
        var twice = block + block.Replace("/product", "/orders", StringComparison.Ordinal);
        var (findings, _) = await ParseAsync(new SqlmapAdapter(), twice);

        Assert.Equal(["/orders", "/product"], findings.Select(f => new Uri(f.Location.Url!).AbsolutePath).Order());
        Assert.Equal(2, findings.Select(f => f.Fingerprint).Distinct().Count());
    }

    [Fact]
    public void Every_profile_stays_at_risk_1_within_a_time_budget_and_passes_the_url_as_one_argument()
    {
        var adapter = new SqlmapAdapter();
        foreach (var profile in new[] { "quick", "standard", "comprehensive", SqlmapAdapter.ApiQuick, SqlmapAdapter.ApiStandard })
        {
            var plan = adapter.Plan(new RunSpec { ScanId = "scn_T", Scanner = "sqlmap", Target = "http://127.0.0.1:8080/?a=1;b", Profile = profile });
            Assert.Equal("http://127.0.0.1:8080/?a=1;b", plan.Arguments[1]);
            Assert.Equal("1", plan.Arguments[3]); // risk
            Assert.InRange(int.Parse(plan.Arguments[4]), 60, 1800);
            Assert.Equal(profile.StartsWith("api", StringComparison.Ordinal) ? "openapi" : "site", plan.Arguments[0]);
        }
    }
}

using System.Text.Json;
using ScanGate.Contracts;
using ScanGate.Scanners.Adapters;
using static ScanGate.Tests.Scanners.ImageReports.ImageReportHarness;

namespace ScanGate.Tests.Scanners.ImageReports;

/// <summary>Dockle's report, Fixtures/dockle-0.4.14.json, written field by field after dockle 0.4.14's JSON output
/// ({"image", "summary": {fatal, warn, info, skip, pass}, "details": [{code, title, level, alerts}]}).</summary>
public class DockleReportTests
{
    private const string Report = "dockle-0.4.14.json";

    [Fact]
    public async Task Each_broken_rule_is_an_image_policy_finding_with_its_checkpoint_code()
    {
        var (findings, context) = await ParseFixtureAsync(new DockleAdapter(), Report);

        Assert.Empty(context.Warnings);
        Assert.Equal(["CIS-DI-0001", "CIS-DI-0005", "CIS-DI-0006", "CIS-DI-0010", "DKL-DI-0005", "DKL-DI-0006", "DKL-LI-0003"],
            findings.Select(f => f.RuleId!).Order()); // CIS-DI-0001 is listed twice: one finding
        Assert.All(findings, f => Assert.Equal(FindingCategories.Misconfiguration, f.Category));
        Assert.All(findings, f => Assert.Equal("registry.example.test/shop/web:1.4.2", f.Location.Image));

        Severity Of(string code) => findings.Single(f => f.RuleId == code).Severity;
        Assert.Equal(Severity.High, Of("CIS-DI-0010"));   // FATAL
        Assert.Equal(Severity.Medium, Of("CIS-DI-0001")); // WARN
        Assert.Equal(Severity.Low, Of("CIS-DI-0006"));    // INFO
        Assert.Equal(Severity.Info, Of("DKL-LI-0003"));   // SKIP

        // FATAL and WARN can fail a gate; INFO and SKIP are advisory.
        Assert.Equal(["CIS-DI-0005", "CIS-DI-0006", "DKL-LI-0003"], findings.Where(f => f.AuditOnly).Select(f => f.RuleId!).Order());
        var root = findings.Single(f => f.RuleId == "CIS-DI-0001");
        Assert.Equal("CIS-DI-0001: Create a user for the container", root.Title);
        Assert.Contains("Last user should not be root", root.Description);
        Assert.StartsWith("Image policy check not run", findings.Single(f => f.RuleId == "DKL-LI-0003").Description);
    }

    [Fact]
    public async Task The_credential_check_keeps_the_key_and_never_the_value()
    {
        var (findings, _) = await ParseFixtureAsync(new DockleAdapter(), Report);
        var credential = findings.Single(f => f.RuleId == "CIS-DI-0010");
        Assert.Contains("DB_PASSWORD", credential.Description);
        Assert.DoesNotContain("Tr0ub4dor", JsonSerializer.Serialize(credential));
    }

    [Fact]
    public Task Fingerprints_are_stable_across_scans() => AssertStableAndDistinctFingerprintsAsync(new DockleAdapter(), Report);

    [Fact]
    public async Task A_cut_off_report_keeps_the_complete_rules_and_warns()
    {
        var findings = await ParseCutAsync(new DockleAdapter(), Report, "\"code\": \"CIS-DI-0005\"");
        Assert.Equal(["CIS-DI-0001", "CIS-DI-0010", "DKL-DI-0005", "DKL-DI-0006"], findings.Select(f => f.RuleId!).Order());
    }
}

/// <summary>dive's CI output, Fixtures/dive-0.12-ci.txt, written after what dive 0.12 prints with --ci (the analysis
/// lines efficiency/wastedBytes/userWastedPercent, the "Inefficient Files:" table, "Results:" with one
/// "  STATUS: rule[: message]" line per rule, its FAIL coloured, and the closing "Result:…" tally), after the
/// "image: &lt;reference&gt;" line that ScanGate's entry point writes first.</summary>
public class DiveReportTests
{
    private const string Report = "dive-0.12-ci.txt";

    [Fact]
    public async Task Failed_rules_are_low_misconfiguration_findings_and_passed_ones_are_not()
    {
        var (findings, context) = await ParseFixtureAsync(new DiveAdapter(), Report);

        Assert.Empty(context.Warnings);
        Assert.Equal(["dive:highestUserWastedPercent", "dive:highestWastedBytes"], findings.Select(f => f.RuleId!).Order());
        Assert.All(findings, f =>
        {
            Assert.Equal(FindingCategories.Misconfiguration, f.Category);
            Assert.Equal(Severity.Low, f.Severity);
            Assert.Equal("registry.example.test/shop/web:1.4.2", f.Location.Image);
            Assert.Contains("efficiency 93.1044 %", f.Description);
            Assert.False(f.Description!.Contains('\u001b'), "no terminal colour codes");
        });
        Assert.Contains("threshold=20000000", findings.Single(f => f.RuleId == "dive:highestWastedBytes").Description);
    }

    [Fact]
    public Task Fingerprints_are_stable_across_scans() => AssertStableAndDistinctFingerprintsAsync(new DiveAdapter(), Report);

    [Fact]
    public async Task A_cut_off_report_keeps_the_complete_rule_lines_and_warns()
    {
        var findings = await ParseCutAsync(new DiveAdapter(), Report, "highestWastedBytes: too many");
        Assert.Equal(["dive:highestUserWastedPercent"], findings.Select(f => f.RuleId!));
    }
}

using ScanGate.Contracts;
using ScanGate.Scanners.Adapters;
using static ScanGate.Tests.Infrastructure.Reports;

namespace ScanGate.Tests.Scanners;

/// <summary>flawfinder's SARIF and YARA's match lines. Both fixtures are real runs on one small checkout at
/// /work/repo (as the images clone it): Fixtures/flawfinder-2.0.19.sarif (flawfinder 2.0.19, Debian trixie,
/// --minlevel=1) of a C file with strcpy, gets and printf; Fixtures/yara-4.5.2.txt (YARA 4.5.2, Debian trixie,
/// ScanGate's rule pack, -m) of a PHP web shell, a miner's configuration and a package.json whose postinstall pipes
/// curl to sh, beside a clean PHP page that matched nothing.</summary>
public sealed class FlawfinderAndYaraReportTests
{
    [Fact]
    public async Task Flawfinder_reports_strcpy_and_gets_as_high_with_their_cwes_at_their_lines()
    {
        await using var file = File.OpenRead(Fixture("flawfinder-2.0.19.sarif"));
        var (findings, _) = await ParseAsync(new FlawfinderAdapter(), file);

        var strcpy = Assert.Single(findings, f => f.Location.Line == 9);
        Assert.Equal(("FF1001", "src/copy.c", Severity.High), (strcpy.RuleId, strcpy.Location.File, strcpy.Severity));
        Assert.Contains("CWE-120", strcpy.References);
        var gets = Assert.Single(findings, f => f.Location.Line == 10);
        Assert.Equal(("FF1014", Severity.High), (gets.RuleId, gets.Severity));
        Assert.Contains("gets", gets.Title);
        Assert.All(findings.Where(f => f.Location.Line is not (9 or 10)), f => Assert.Equal(Severity.Low, f.Severity));
        Assert.All(findings, f => Assert.Equal(FindingCategories.Sast, f.Category));
    }

    [Fact]
    public async Task Yara_matches_are_malware_findings_at_their_files_with_the_rules_severity_and_description()
    {
        await using var file = File.OpenRead(Fixture("yara-4.5.2.txt"));
        var (findings, context) = await ParseAsync(new YaraAdapter(), file);

        Assert.Empty(context.Warnings);
        Assert.Equal(
            ["miner.json:scangate_cryptominer_pool:High", "package.json:scangate_download_and_execute:High",
             "package.json:scangate_npm_install_script_download_exec:Critical", "public/uploads/thumb.php:scangate_php_webshell_request_exec:Critical"],
            findings.Select(f => $"{f.Location.File}:{f.RuleId}:{f.Severity}").Order(StringComparer.Ordinal));
        var shell = findings.Single(f => f.Location.File == "public/uploads/thumb.php");
        Assert.Equal("PHP web shell: runs a command or code taken from the HTTP request (public/uploads/thumb.php)", shell.Title);
        Assert.Equal(FindingCategories.Malware, shell.Category);
        Assert.DoesNotContain(findings, f => f.Location.File == "public/index.php");
        var miner = findings.Single(f => f.Location.File == "miner.json");
        Assert.Contains("a miner's configuration", miner.Title); // YARA escapes the quote in its metadata
    }

    [Fact]
    public async Task A_line_that_is_not_a_match_is_noted_not_guessed_at()
    {
        var (findings, context) = await ParseAsync(new YaraAdapter(), "error scanning /work/repo/x: could not open file\n");
        Assert.Empty(findings);
        Assert.Single(context.Warnings);
    }
}

using System.Text.RegularExpressions;
using ScanGate.Tests.Compat;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.CommandLine;

/// <summary>The CI wrappers under integrations/ are thin calls of the CLI: every flag they pass to
/// <c>scangate scan</c> is one the tool has (its own help says so), and each writes the report its CI system shows.</summary>
public sealed class CiTemplateTests
{
    private static readonly string Integrations = Path.Combine(CompatProcess.RepositoryRoot(), "integrations");

    public static TheoryData<string, string> Wrappers => new()
    {
        { "github-action/scangate-action.sh", "--sarif" },
        { "gitlab/scangate.gitlab-ci.yml", "--gitlab-report" },
        { "jenkins/vars/scangateScan.groovy", "--junit" },
        { "azure-pipelines/scangate.yml", "--junit" },
    };

    [Theory]
    [MemberData(nameof(Wrappers))]
    public async Task Every_flag_a_wrapper_passes_to_scangate_scan_exists(string file, string reportFlag)
    {
        var help = await new CliRunner().RunAsync("scan", "--help");
        Assert.Equal(0, help.Code);
        var known = Regex.Matches(help.Out, @"(?m)^\s+(--[a-z-]+)").Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Contains("--fail-on", known);

        var text = await File.ReadAllTextAsync(Path.Combine(Integrations, file));
        var call = text[text.IndexOf(" scan \"$", StringComparison.Ordinal)..];
        call = call[..call.IndexOf("\n", call.IndexOf(reportFlag, StringComparison.Ordinal), StringComparison.Ordinal)];
        var flags = Regex.Matches(call, @"(?<=\s)--[a-z-]+").Select(m => m.Value).ToList();
        Assert.Contains(reportFlag, flags);
        Assert.Contains("--fail-on", flags);
        foreach (var flag in flags) Assert.True(known.Contains(flag) || flag is "--json" or "--retries", $"{file} passes {flag}, which scangate scan does not have");
    }

    [Fact]
    public void The_gitlab_template_hands_its_security_report_to_gitlab()
    {
        var text = File.ReadAllText(Path.Combine(Integrations, "gitlab", "scangate.gitlab-ci.yml")).ReplaceLineEndings("\n");
        Assert.Contains("    reports:\n      sast: gl-sast-report.json\n      junit: scangate-junit.xml\n", text);
        Assert.Contains("--gitlab-report gl-sast-report.json", text);
    }
}

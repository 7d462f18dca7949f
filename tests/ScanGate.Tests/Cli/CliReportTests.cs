using System.Text.Json;
using System.Text.Json.Nodes;
using ScanGate.Cli.Api;
using ScanGate.Cli.Reports;

namespace ScanGate.Tests.CommandLine;

/// <summary>The JUnit and GitLab reports the CLI makes from a scan's findings: valid against their schemas (which
/// also reject broken documents), with one test case per finding at or above the gate and failures for blocking ones.</summary>
public sealed class CliReportTests
{
    private static readonly SeverityCounts Counts = new(1, 2, 1, 0, 3);

    private static Scan ScanOf(string status, bool? passed, string failOn, Dictionary<string, int>? max = null) => new(
        "scn_01TEST", "sast", "https://git.example/app.git", "standard", status, DateTimeOffset.Parse("2026-11-30T01:00:00Z"),
        DateTimeOffset.Parse("2026-11-30T01:00:05Z"), DateTimeOffset.Parse("2026-11-30T01:02:05Z"),
        [new ScannerState("bandit", "completed", "done", 100, null, Counts)], Counts, passed, failOn, "app", "main", "abc1234",
        new ScanLinks("/s", "/e", "/r"), new GateState(passed, passed == false ? ["1 critical finding"] : [], 40, "D", failOn, max, false));

    private static Finding F(string id, string severity, string status = "open", string? file = "app/db.py", int? line = 12, string[]? cves = null) => new(
        id, "scn_01TEST", "fp-" + id, "bandit", "sast", severity, $"Finding {id} <&> \"quoted\"", "desc", "B608", cves ?? [], null,
        new FindingLocation(file, line, null, null, null, null, null, null), "fix it", ["https://example.com/advice", "not a url"], status);

    private static readonly Finding[] Findings =
    [
        F("1", "critical", cves: ["CVE-2024-0001"]), F("2", "high"), F("3", "high", status: "false_positive"), F("4", "medium"),
        F("5", "info", file: null, line: null),
    ];

    private static string Junit(Scan scan, IReadOnlyList<Finding> findings)
    {
        using var memory = new MemoryStream();
        JunitReport.Write(scan, findings, memory);
        return System.Text.Encoding.UTF8.GetString(memory.ToArray());
    }

    private static JsonElement Gitlab(Scan scan, IReadOnlyList<Finding> findings)
    {
        using var memory = new MemoryStream();
        GitlabSecurityReport.Write(scan, findings, memory);
        return JsonDocument.Parse(memory.ToArray()).RootElement.Clone();
    }

    [Fact]
    public void Junit_has_a_case_per_finding_at_or_above_the_gate_and_fails_the_blocking_ones()
    {
        var xml = Junit(ScanOf("completed", false, "high"), Findings);
        Assert.Empty(CliReportSchemas.ValidateJunit(xml));
        var doc = System.Xml.Linq.XDocument.Parse(xml);
        var cases = doc.Descendants("testcase").ToList();
        // The gate plus critical, high, high (false positive): medium and info are below the gate.
        Assert.Equal(4, cases.Count);
        Assert.Equal(["gate", "critical", "high"], cases.Where(c => c.Element("failure") is not null)
            .Select(c => c.Attribute("classname")!.Value == "scangate.gate" ? "gate" : c.Element("failure")!.Attribute("type")!.Value).Distinct());
        Assert.Equal(3, cases.Count(c => c.Element("failure") is not null)); // gate, critical, the open high
        Assert.Null(cases.Single(c => c.Attribute("name")!.Value.Contains("Finding 3")).Element("failure")); // triaged: shown, not blocking
        Assert.Equal("3", doc.Root!.Attribute("failures")!.Value);
        Assert.Contains("CVE-2024-0001", xml);
    }

    [Fact]
    public void Junit_counts_max_counts_severities_and_marks_an_incomplete_scan_as_an_error()
    {
        var xml = Junit(ScanOf("completed", false, "critical", new() { ["medium"] = 0 }), Findings);
        Assert.Empty(CliReportSchemas.ValidateJunit(xml));
        var cases = System.Xml.Linq.XDocument.Parse(xml).Descendants("testcase").ToList();
        Assert.Equal(3, cases.Count); // gate, critical, medium (max 0, one found)
        Assert.All(cases, c => Assert.NotNull(c.Element("failure")));

        var failed = Junit(ScanOf("failed", null, "high"), []);
        Assert.Empty(CliReportSchemas.ValidateJunit(failed));
        Assert.Contains("<error message=\"the scan did not complete: failed\"", failed);
    }

    [Fact]
    public void The_junit_schema_rejects_broken_reports()
    {
        var xml = Junit(ScanOf("completed", true, "high"), Findings);
        Assert.NotEmpty(CliReportSchemas.ValidateJunit(xml.Replace("classname=", "klass=")));
        Assert.NotEmpty(CliReportSchemas.ValidateJunit(xml.Replace("tests=\"4\"", "tests=\"four\"")));
        Assert.NotEmpty(CliReportSchemas.ValidateJunit(xml.Replace("<properties>", "<propertiez>").Replace("</properties>", "</propertiez>")));
    }

    [Fact]
    public void The_gitlab_report_follows_schema_15_2_1_with_stable_ids()
    {
        var report = Gitlab(ScanOf("completed", false, "high"), Findings);
        Assert.Empty(CliReportSchemas.ValidateGitlab(report));
        Assert.Equal("15.2.1", report.GetProperty("version").GetString());
        var items = report.GetProperty("vulnerabilities").EnumerateArray().ToList();
        Assert.Equal(5, items.Count);
        Assert.Equal(["Critical", "High", "High", "Medium", "Info"], items.Select(i => i.GetProperty("severity").GetString()));
        Assert.Contains(items[0].GetProperty("identifiers").EnumerateArray(), i => i.GetProperty("type").GetString() == "cve" && i.GetProperty("value").GetString() == "CVE-2024-0001");
        Assert.Equal(12, items[0].GetProperty("location").GetProperty("start_line").GetInt32());
        // The same finding has the same id in the next pipeline's report; another finding another.
        Assert.Equal(items[0].GetProperty("id").GetString(), Gitlab(ScanOf("completed", true, "high"), Findings).GetProperty("vulnerabilities")[0].GetProperty("id").GetString());
        Assert.NotEqual(items[0].GetProperty("id").GetString(), items[1].GetProperty("id").GetString());
        Assert.True(Guid.TryParse(items[0].GetProperty("id").GetString(), out _));

        var incomplete = Gitlab(ScanOf("cancelled", null, "high"), []);
        Assert.Empty(CliReportSchemas.ValidateGitlab(incomplete));
        Assert.Equal("failure", incomplete.GetProperty("scan").GetProperty("status").GetString());
    }

    [Fact]
    public void The_gitlab_schema_rejects_broken_reports()
    {
        var report = JsonNode.Parse(Gitlab(ScanOf("completed", true, "high"), Findings).GetRawText())!;
        JsonElement Broken(Action<JsonNode> breakIt)
        {
            var copy = report.DeepClone();
            breakIt(copy);
            return JsonDocument.Parse(copy.ToJsonString()).RootElement;
        }
        Assert.NotEmpty(CliReportSchemas.ValidateGitlab(Broken(r => r["vulnerabilities"]![0]!["severity"] = "Severe")));
        Assert.NotEmpty(CliReportSchemas.ValidateGitlab(Broken(r => r["vulnerabilities"]![0]!["identifiers"] = new JsonArray())));
        Assert.NotEmpty(CliReportSchemas.ValidateGitlab(Broken(r => r["scan"]!["start_time"] = "2026-11-30 01:00")));
        Assert.NotEmpty(CliReportSchemas.ValidateGitlab(Broken(r => r["scan"]!.AsObject().Remove("scanner"))));
    }
}

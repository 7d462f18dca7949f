using System.Xml;
using ScanGate.Cli.Api;
using ScanGate.Cli.Output;

namespace ScanGate.Cli.Reports;

/// <summary>
/// JUnit XML as Jenkins, GitLab, Azure Pipelines and GitHub test reporters read it: one suite per scan, a test
/// case for the gate itself, and one test case per finding at or above the gate (<see cref="GateThreshold"/>),
/// failed when it blocks. A scan that did not complete is an error of the gate case, never a pass.
/// </summary>
public static class JunitReport
{
    public static void Write(Scan scan, IReadOnlyList<Finding> findings, Stream output)
    {
        var gate = new GateThreshold(scan);
        var judged = scan.Counts;
        var covered = findings.Where(gate.Covers).OrderByDescending(f => Format.Rank(f.Severity)).ToList();
        var blocking = covered.Count(f => gate.Blocks(f, judged));
        var gateFailed = scan.Status == "completed" && scan.GatePassed != true;
        var gateError = scan.Status != "completed";
        var tests = covered.Count + 1;
        var failures = blocking + (gateFailed ? 1 : 0);
        var errors = gateError ? 1 : 0;
        var seconds = scan.StartedAt is { } s && scan.FinishedAt is { } e ? (e - s).TotalSeconds : 0;

        using var xml = XmlWriter.Create(output, new XmlWriterSettings { Indent = true, Encoding = new System.Text.UTF8Encoding(false) });
        xml.WriteStartDocument();
        xml.WriteStartElement("testsuites");
        xml.WriteAttributeString("name", "scangate");
        xml.WriteAttributeString("tests", tests.ToString());
        xml.WriteAttributeString("failures", failures.ToString());
        xml.WriteAttributeString("errors", errors.ToString());
        xml.WriteAttributeString("time", Seconds(seconds));

        xml.WriteStartElement("testsuite");
        xml.WriteAttributeString("name", $"scangate.{scan.ScanType}");
        xml.WriteAttributeString("tests", tests.ToString());
        xml.WriteAttributeString("failures", failures.ToString());
        xml.WriteAttributeString("errors", errors.ToString());
        xml.WriteAttributeString("skipped", "0");
        xml.WriteAttributeString("time", Seconds(seconds));
        xml.WriteAttributeString("timestamp", (scan.StartedAt ?? scan.CreatedAt).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss"));

        xml.WriteStartElement("properties");
        Property(xml, "scan_id", scan.Id);
        Property(xml, "target", scan.Target);
        Property(xml, "status", scan.Status);
        Property(xml, "fail_on_severity", scan.FailOnSeverity);
        if (scan.Gate?.Score is { } score) Property(xml, "score", score.ToString());
        if (scan.Gate?.Grade is { } grade) Property(xml, "grade", grade);
        xml.WriteEndElement();

        xml.WriteStartElement("testcase");
        xml.WriteAttributeString("name", $"gate ({scan.Target})");
        xml.WriteAttributeString("classname", "scangate.gate");
        xml.WriteAttributeString("time", Seconds(seconds));
        var reasons = string.Join("\n", scan.Gate?.Reasons ?? []);
        if (gateError) Failure(xml, "error", $"the scan did not complete: {scan.Status}", "scan", reasons);
        else if (gateFailed) Failure(xml, "failure", "the security gate failed", "gate", reasons);
        xml.WriteEndElement();

        foreach (var f in covered)
        {
            xml.WriteStartElement("testcase");
            var where = ScanGate.Cli.Commands.ScanCommands.Where(f.Location);
            xml.WriteAttributeString("name", $"[{f.Severity}] {f.Title}{(where.Length > 0 ? $" ({where})" : "")}");
            xml.WriteAttributeString("classname", $"scangate.{f.Scanner}.{f.Category}");
            xml.WriteAttributeString("time", "0");
            if (f.Location?.File is { } file) xml.WriteAttributeString("file", file);
            if (gate.Blocks(f, judged))
                Failure(xml, "failure", f.Title, f.Severity, Details(f, where));
            else
            {
                xml.WriteStartElement("system-out");
                xml.WriteString(Details(f, where));
                xml.WriteEndElement();
            }
            xml.WriteEndElement();
        }
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndDocument();
    }

    private static string Details(Finding f, string where) => string.Join("\n", new[]
    {
        $"severity: {f.Severity}", $"scanner: {f.Scanner}", f.RuleId is { } r ? $"rule: {r}" : null, where.Length > 0 ? $"location: {where}" : null,
        f.Cves is { Count: > 0 } cves ? $"cves: {string.Join(", ", cves)}" : null, $"status: {f.Status}", $"finding: {f.Id}",
        f.Description, f.Remediation is { } fix ? $"remediation: {fix}" : null,
    }.Where(l => !string.IsNullOrEmpty(l)));

    private static void Property(XmlWriter xml, string name, string value)
    {
        xml.WriteStartElement("property");
        xml.WriteAttributeString("name", name);
        xml.WriteAttributeString("value", value);
        xml.WriteEndElement();
    }

    private static void Failure(XmlWriter xml, string element, string message, string type, string text)
    {
        xml.WriteStartElement(element);
        xml.WriteAttributeString("message", message);
        xml.WriteAttributeString("type", type);
        xml.WriteString(text);
        xml.WriteEndElement();
    }

    private static string Seconds(double s) => s.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
}

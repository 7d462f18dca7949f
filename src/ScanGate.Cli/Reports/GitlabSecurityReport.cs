using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ScanGate.Cli.Api;

namespace ScanGate.Cli.Reports;

/// <summary>
/// GitLab's security report (gl-sast-report.json, for <c>artifacts:reports:sast</c>) in schema version
/// <see cref="SchemaVersion"/>: one vulnerability per finding, its id a UUID derived from the finding's fingerprint
/// (stable across pipelines, so GitLab tracks it), identifiers from the rule and CVEs.
/// </summary>
public static class GitlabSecurityReport
{
    public const string SchemaVersion = "15.2.1";
    public const string SchemaUrl = "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v15.2.1/dist/sast-report-format.json";

    public static void Write(Scan scan, IReadOnlyList<Finding> findings, Stream output)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        var version = typeof(GitlabSecurityReport).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        json.WriteStartObject();
        json.WriteString("version", SchemaVersion);
        json.WriteString("schema", SchemaUrl);
        json.WriteStartObject("scan");
        Component(json, "analyzer", version);
        Component(json, "scanner", version);
        json.WriteString("type", "sast");
        json.WriteString("start_time", Time(scan.StartedAt ?? scan.CreatedAt));
        json.WriteString("end_time", Time(scan.FinishedAt ?? scan.StartedAt ?? scan.CreatedAt));
        // A scan that did not complete is a failed scan for GitLab too: never an empty "success".
        json.WriteString("status", scan.Status == "completed" ? "success" : "failure");
        json.WriteStartArray("messages");
        if (scan.Status != "completed") Message(json, "fatal", $"ScanGate scan {scan.Id} ended {scan.Status}");
        foreach (var reason in scan.Gate?.Reasons ?? []) Message(json, "info", reason);
        json.WriteEndArray();
        json.WriteEndObject();

        json.WriteStartArray("vulnerabilities");
        foreach (var f in findings)
        {
            json.WriteStartObject();
            json.WriteString("id", StableId(f.Fingerprint));
            json.WriteString("name", Cut(f.Title, 255));
            json.WriteString("description", Cut(string.IsNullOrWhiteSpace(f.Description) ? f.Title : f.Description, 1_048_576));
            json.WriteString("severity", f.Severity switch
            {
                "critical" => "Critical", "high" => "High", "medium" => "Medium", "low" => "Low", "info" => "Info", _ => "Unknown",
            });
            if (f.Remediation is { Length: > 0 } fix) json.WriteString("solution", Cut(fix, 7000));
            json.WriteStartArray("identifiers");
            Identifier(json, "scangate_rule", $"{f.Scanner}: {f.RuleId ?? f.Title}", Cut(f.RuleId ?? f.Fingerprint, 255), null);
            foreach (var cve in f.Cves ?? [])
                Identifier(json, "cve", cve, cve, $"https://www.cve.org/CVERecord?id={Uri.EscapeDataString(cve)}");
            json.WriteEndArray();
            if (f.References is { Count: > 0 } refs)
            {
                json.WriteStartArray("links");
                foreach (var r in refs.Where(r => Uri.TryCreate(r, UriKind.Absolute, out var u) && u.Scheme is "http" or "https"))
                {
                    json.WriteStartObject();
                    json.WriteString("url", r);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
            }
            json.WriteStartObject("location");
            // GitLab shows the file; network and web findings name their endpoint there instead.
            json.WriteString("file", f.Location?.File ?? Commands.ScanCommands.Where(f.Location) switch { { Length: > 0 } w => w, _ => scan.Target });
            if (f.Location?.Line is { } line and > 0)
            {
                json.WriteNumber("start_line", line);
                json.WriteNumber("end_line", line);
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void Component(Utf8JsonWriter json, string name, string version)
    {
        json.WriteStartObject(name);
        json.WriteString("id", "scangate");
        json.WriteString("name", "ScanGate");
        json.WriteString("version", version);
        json.WriteStartObject("vendor");
        json.WriteString("name", "ScanGate");
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void Message(Utf8JsonWriter json, string level, string value)
    {
        json.WriteStartObject();
        json.WriteString("level", level);
        json.WriteString("value", value);
        json.WriteEndObject();
    }

    private static void Identifier(Utf8JsonWriter json, string type, string name, string value, string? url)
    {
        json.WriteStartObject();
        json.WriteString("type", type);
        json.WriteString("name", Cut(name, 255));
        json.WriteString("value", value);
        if (url is not null) json.WriteString("url", url);
        json.WriteEndObject();
    }

    /// <summary>A UUID (version 8, RFC 9562) from the fingerprint: the same finding gets the same id in every report.</summary>
    public static string StableId(string fingerprint)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(fingerprint)).AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true).ToString();
    }

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss");

    private static string Cut(string s, int max) => s.Length <= max ? s : s[..max];
}

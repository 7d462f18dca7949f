using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>
/// OWASP ZAP 2.15 through its packaged scan scripts (zap-baseline.py, zap-full-scan.py, zap-api-scan.py) and their
/// traditional JSON report: site[] → alerts[] → instances[]. The image is the ZAP project's own, so it is built where
/// its registry is reachable (deploy/scanners/zap/Dockerfile). One adapter serves web_vulnerability (a site) and
/// api_security (an OpenAPI definition's URL): the profile picks the script and its options.
/// </summary>
public sealed partial class ZapAdapter : IContainerScanner
{
    public string Name => "zap";
    public string Description => "OWASP ZAP: spiders a web application or imports an OpenAPI definition, then scans it passively or actively.";
    public TargetKind TargetKind => TargetKind.Url;
    public IReadOnlyList<ScannerUse> Uses { get; } =
    [
        new("web_vulnerability"),
        new("api_security", Profiles: new Dictionary<string, string> { ["quick"] = ApiQuick, ["standard"] = ApiStandard }),
    ];
    public string DefaultImage => "scangate/zap:latest";

    public const string ApiQuick = "api-quick";
    public const string ApiStandard = "api-standard";
    private const string WorkDirectory = "/zap/wrk";
    private const string ReportName = "report.json";

    /// <summary>Plugins whose alerts are about response headers; every other alert is a vulnerability.</summary>
    private static readonly HashSet<string> HeaderPlugins =
    [
        "10020", // anti-clickjacking header
        "10021", // X-Content-Type-Options
        "10035", // Strict-Transport-Security
        "10036", // Server header leaks its version
        "10037", // X-Powered-By
        "10038", // Content-Security-Policy
        "10063", // Permissions-Policy
    ];

    /// <summary>The script and options of each profile. -I: warnings do not make the exit code a failure.</summary>
    public static IReadOnlyList<string> ProfileArguments(string profile, string target) => profile switch
    {
        "standard" => ["zap-baseline.py", "-t", target, "-m", "5", "-I"],
        "comprehensive" => ["zap-full-scan.py", "-t", target, "-m", "10", "-I"],
        ApiQuick => ["zap-api-scan.py", "-t", target, "-f", "openapi", "-S", "-I"], // -S: safe mode, no active scan
        ApiStandard => ["zap-api-scan.py", "-t", target, "-f", "openapi", "-I"],
        _ => ["zap-baseline.py", "-t", target, "-m", "1", "-I"], // quick: a one-minute spider and the passive rules
    };

    public ContainerPlan Plan(RunSpec spec) => new()
    {
        Arguments = [.. ProfileArguments(spec.Profile, spec.Target), "-J", ReportName],
        ReportPath = $"{WorkDirectory}/{ReportName}",
        // ZAP keeps its session and add-ons under the user's home (HOME=/home/scanner in the image).
        WorkPaths = ["/home/scanner"],
        MemoryBytes = 3L * 1024 * 1024 * 1024,
        Cpus = 2.0,
        PidsLimit = 2048,
        // 0: no alert at warning level or above; 1: an alert the scan's rules call a failure; 2: warnings only.
        SuccessExitCodes = [0, 1, 2],
    };

    public IProgressParser NewProgressParser(RunSpec spec) => new Progress();

    private sealed class Progress : IProgressParser
    {
        public ProgressUpdate? Parse(string line)
        {
            var trimmed = line.Trim();
            if (trimmed.StartsWith("Total of ", StringComparison.Ordinal) && trimmed.EndsWith(" URLs", StringComparison.Ordinal))
                return new("spidered " + trimmed["Total of ".Length..], 50);
            if (trimmed.StartsWith("FAIL-NEW:", StringComparison.Ordinal)) return new("summary", 99);
            if (trimmed.StartsWith("PASS:", StringComparison.Ordinal) || trimmed.StartsWith("WARN-NEW:", StringComparison.Ordinal))
                return new("reporting", 90);
            return null;
        }
    }

    public async IAsyncEnumerable<Finding> ParseReportAsync(Stream report, FindingContext context,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var match in JsonStreaming.ElementsAtAsync(report, ["site", "[]", "alerts", "[]"], context,
                           ["@name", "@host", "@port"], cancellationToken))
        {
            var alert = match.Item;
            if (alert.Int("confidence") == 0) continue; // marked a false positive in ZAP
            var pluginId = alert.Str("pluginid") ?? "unknown";
            var name = alert.Str("name") ?? alert.Str("alert") ?? $"ZAP alert {pluginId}";
            var severity = alert.Int("riskcode") switch { 3 => Severity.High, 2 => Severity.Medium, 1 => Severity.Low, _ => Severity.Info };
            var cwe = alert.Int("cweid") is > 0 and var id ? $"CWE-{id}" : null;
            var references = Paragraphs(alert.Str("reference")).Concat(cwe is null ? [] : [cwe]).ToList();
            var summary = Text(alert.Str("desc"));
            var confidence = alert.Int("confidence") switch { 1 => "low", 2 => "medium", 3 => "high", 4 => "confirmed", _ => null };
            var site = match.Str("@name");

            // One finding per page: the instances on one URL (several parameters or methods) are one finding.
            var instances = Instances(alert).ToList();
            IEnumerable<(string Page, List<Instance> Seen)> pages = instances.Count == 0
                ? [(site ?? "", [])]
                : instances.GroupBy(i => PageOf(i.Uri) ?? site ?? "").Select(g => (g.Key, g.ToList()));
            foreach (var (page, seen) in pages)
            {
                var where = seen.Where(i => i.Param is { Length: > 0 } || i.Evidence is { Length: > 0 })
                    .Select(i => string.Join(", ", new[] { i.Method, i.Param is { Length: > 0 } p ? $"parameter {p}" : null,
                        i.Evidence is { Length: > 0 } e ? $"evidence \"{Cap(e, 200)}\"" : null }.Where(s => s is not null)))
                    .Distinct().Take(5).ToList();
                var description = string.Join(" ", new[]
                {
                    summary,
                    confidence is null ? null : $"Confidence: {confidence}.",
                    where.Count > 0 ? $"Seen: {string.Join("; ", where)}." : null,
                }.Where(s => !string.IsNullOrEmpty(s)));
                yield return context.Create(HeaderPlugins.Contains(pluginId) ? FindingCategories.Header : FindingCategories.Vulnerability,
                    severity, name, alert.Str("alertRef") ?? pluginId,
                    new FindingLocation { Url = page.Length > 0 ? page : null, Host = page.Length > 0 ? null : match.Str("@host") },
                    description: description.Length > 0 ? description : null,
                    remediation: Text(alert.Str("solution")), references: references);
            }
        }
    }

    private sealed record Instance(string Uri, string? Method, string? Param, string? Evidence);

    private static IEnumerable<Instance> Instances(JsonElement alert) =>
        alert.TryGetProperty("instances", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Where(i => i.Str("uri") is { Length: > 0 })
                .Select(i => new Instance(i.Str("uri")!, i.Str("method"), i.Str("param"), i.Str("evidence")))
            : [];

    /// <summary>The page an instance is on: its URL without query or fragment (an attack's payload lives in the query,
    /// and the page is what stays the same from one scan to the next).</summary>
    private static string? PageOf(string uri) =>
        Uri.TryCreate(uri, UriKind.Absolute, out var u) && u.Scheme is "http" or "https" ? u.GetLeftPart(UriPartial.Path) : null;

    /// <summary>ZAP writes its texts as HTML paragraphs; plain text for the finding.</summary>
    private static string? Text(string? html)
    {
        if (string.IsNullOrWhiteSpace(html)) return null;
        var text = WebUtility.HtmlDecode(Tags().Replace(ParagraphBreak().Replace(html, "\n"), ""));
        text = string.Join("\n", text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        return text.Length == 0 ? null : Cap(text, 4000);
    }

    /// <summary>The reference field: one URL per paragraph.</summary>
    private static IEnumerable<string> Paragraphs(string? html) =>
        Text(html)?.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [];

    private static string Cap(string text, int max) => text.Length <= max ? text : text[..max] + " …";

    [GeneratedRegex("</p>|<br ?/?>", RegexOptions.IgnoreCase)]
    private static partial Regex ParagraphBreak();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tags();
}

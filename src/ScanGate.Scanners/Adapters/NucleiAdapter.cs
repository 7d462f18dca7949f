using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>
/// nuclei 3.3 (ProjectDiscovery) with the nuclei-templates baked into its image: template-based checks of a URL,
/// a JSON Lines report (one result per line). The image comes from a release download, so it is built where the
/// internet is reachable (deploy/scanners/nuclei/Dockerfile). Profiles choose templates by tag and severity; the
/// request never does.
/// </summary>
public sealed class NucleiAdapter : IContainerScanner
{
    public string Name => "nuclei";
    public string Description => "nuclei: known CVEs, exposures and misconfigurations of a web target, from the community's templates.";
    public TargetKind TargetKind => TargetKind.Url;
    public IReadOnlyList<ScannerUse> Uses { get; } = [new("nuclei")];
    public string DefaultImage => "scangate/nuclei:latest";

    private const string ReportPath = "/out/report.jsonl";
    private const string Templates = "/opt/nuclei-templates";

    /// <summary>Tags never run: denial of service, fuzzing and checks the templates call intrusive.</summary>
    private const string Unsafe = "dos,fuzz,intrusive";

    public static IReadOnlyList<string> ProfileArguments(string profile) => profile switch
    {
        "quick" => ["-severity", "high,critical", "-exclude-tags", Unsafe + ",headless"],
        "comprehensive" => ["-exclude-tags", "dos"],
        "cve" => ["-tags", "cve", "-exclude-tags", Unsafe],
        "misconfig" => ["-tags", "misconfig,exposure,config,default-login", "-exclude-tags", Unsafe],
        _ => ["-severity", "low,medium,high,critical", "-exclude-tags", Unsafe + ",headless"], // standard
    };

    public ContainerPlan Plan(RunSpec spec) => new()
    {
        Arguments =
        [
            "-templates", Templates, .. ProfileArguments(spec.Profile),
            "-jsonl", "-output", ReportPath, "-omit-raw", "-omit-template",
            // Offline and quiet: no update check, no out-of-band interaction server, progress as JSON lines.
            "-disable-update-check", "-no-interactsh", "-no-color", "-stats", "-stats-json", "-stats-interval", "5",
            "-target", spec.Target,
        ],
        ReportPath = ReportPath,
        // nuclei keeps its configuration (made when the image was built) and caches under the user's home: a writable
        // copy per run, while the root and the templates stay read-only.
        WorkPaths = ["/home/scanner"],
        MemoryBytes = 1024L * 1024 * 1024,
        PidsLimit = 512,
    };

    public IProgressParser NewProgressParser(RunSpec spec) => new StatsProgress();

    /// <summary>-stats-json prints one object per interval: {"duration":"0:00:10","percent":"42","requests":"…",…}.</summary>
    private sealed class StatsProgress : IProgressParser
    {
        public ProgressUpdate? Parse(string line)
        {
            var trimmed = line.Trim();
            if (!trimmed.StartsWith('{') || !trimmed.Contains("\"percent\"", StringComparison.Ordinal)) return null;
            try
            {
                using var doc = JsonDocument.Parse(trimmed);
                return doc.RootElement.Number("percent") is { } pct ? new ProgressUpdate("templates", (int)Math.Clamp(pct, 0, 99)) : null;
            }
            catch (JsonException) { return null; }
        }
    }

    public async IAsyncEnumerable<Finding> ParseReportAsync(Stream report, FindingContext context,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var result in ReportReading.JsonLinesAsync(report, context, cancellationToken))
        {
            if (result.ValueKind != JsonValueKind.Object) continue;
            var info = result.Obj("info");
            var classification = info.Obj("classification");
            var templateId = result.Str("template-id") ?? "unknown";
            var matcher = result.Str("matcher-name");
            var cves = classification.Strings("cve-id").Select(c => c.ToUpperInvariant()).Distinct().ToList();
            var cwes = classification.Strings("cwe-id").Select(c => c.ToUpperInvariant()).Where(c => c != "CWE-0").Distinct();
            var cvss = classification.Number("cvss-score") is > 0 and var score ? score : (double?)null;
            var tags = info.Strings("tags").SelectMany(t => t.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
            var name = info.Str("name") ?? templateId;
            var extracted = result.Strings("extracted-results");
            var description = string.Join(" ", new[]
            {
                info.Str("description")?.Trim(),
                extracted.Count > 0 ? $"Extracted: {string.Join(", ", extracted.Take(10))}." : null,
            }.Where(s => !string.IsNullOrEmpty(s)));
            yield return context.Create(Category(cves, tags), SeverityScale.FromWord(info.Str("severity")),
                matcher is null ? name : $"{name} ({matcher})", matcher is null ? templateId : $"{templateId}:{matcher}",
                Location(result),
                description: description.Length > 0 ? description : null,
                remediation: info.Str("remediation")?.Trim(),
                references: info.Strings("reference").Concat(cwes).ToList(),
                cves: cves, cvss: cvss, cvssVector: classification.Str("cvss-metrics"));
        }
    }

    /// <summary>A CVE is a vulnerability; exposures and misconfigurations by their tags; anything else (technology
    /// detection, version banners) is a misconfiguration at the severity its template gives.</summary>
    private static string Category(IReadOnlyList<string> cves, IReadOnlyList<string> tags) =>
        cves.Count > 0 || tags.Any(t => t is "cve" or "rce" or "sqli" or "xss" or "lfi" or "ssrf" or "auth-bypass" or "vuln")
            ? FindingCategories.Vulnerability
            : FindingCategories.Misconfiguration;

    /// <summary>"matched-at" is a URL for web templates and host:port for network and TLS ones.</summary>
    private static FindingLocation Location(JsonElement result)
    {
        var matched = result.Str("matched-at") ?? result.Str("url") ?? result.Str("host");
        // Kept as nuclei wrote it: normalising would resolve the very "/.%2e/" a path traversal matched on.
        if (matched is not null && Uri.TryCreate(matched, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            return new FindingLocation { Url = matched };
        if (matched is not null && HostTarget.Parse(matched) is { Ports: { } p } hp && int.TryParse(p, CultureInfo.InvariantCulture, out var port))
            return new FindingLocation { Host = hp.Host, Port = port };
        return new FindingLocation { Host = matched ?? result.Str("ip") };
    }
}

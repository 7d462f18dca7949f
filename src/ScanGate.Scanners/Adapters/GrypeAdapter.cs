using System.Text.Json;
using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>
/// Grype 0.86 (the vendor's release; see deploy/scanners/grype) on an image read straight from its registry
/// (<c>registry:</c> source): known vulnerabilities, JSON report. Grype downloads its database into the work volume
/// at the start of a run, so it needs the network (see <see cref="ImageScanning"/>). The JSON report names the image
/// only after all its matches, so grype's findings carry the layer but not the image (the scan's target is it).
/// Severity is grype's word; the CVSS score is the primary (NVD) one of the vulnerability, else of a related CVE.
/// </summary>
public sealed class GrypeAdapter : IContainerScanner
{
    public string Name => "grype";
    public string Description => "Grype: known vulnerabilities of the packages in a container image (Anchore's database).";
    public TargetKind TargetKind => TargetKind.ContainerImage;
    public IReadOnlyList<ScannerUse> Uses { get; } = [new("container_image")];
    public string DefaultImage => "scangate/grype:latest";

    private const string ReportPath = "/out/report.json";

    public ContainerPlan Plan(RunSpec spec)
    {
        var args = new List<string> { "-v", "-o", "json", "--file", ReportPath };
        if (spec.Profile == "fixable") args.Add("--only-fixed");
        if (spec.Profile == "all_layers") args.AddRange(["--scope", "all-layers"]);
        // "registry:" makes grype read the image from its registry, never a local daemon; the reference stays one argument.
        args.AddRange(["--", "registry:" + spec.Target]);
        return ImageScanning.Plan(args, ReportPath);
    }

    // grype -v logs "INFO downloading new vulnerability DB", "INFO identified distro: …", "INFO found N vulnerability matches across M packages".
    public IProgressParser NewProgressParser(RunSpec spec) => new KeywordProgress(
        ("vulnerability DB", "downloading the vulnerability database", 10),
        ("pulling image", "reading the image", 30),
        ("identified distro", "cataloging packages", 50),
        ("vulnerability matches", "matching vulnerabilities", 90));

    public IAsyncEnumerable<Finding> ParseReportAsync(Stream report, FindingContext context, CancellationToken cancellationToken) =>
        ImageScanning.FindingsAtAsync(report, context, ["matches", "[]"], null, m => Match(m, context), cancellationToken);

    private static IEnumerable<Finding> Match(JsonMatch m, FindingContext context)
    {
        if (!m.Item.TryGetProperty("vulnerability", out var vuln) || !m.Item.TryGetProperty("artifact", out var artifact)) yield break;
        if (vuln.Str("id") is not { Length: > 0 } id || artifact.Str("name") is not { Length: > 0 } package) yield break;
        var related = m.Item.TryGetProperty("relatedVulnerabilities", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().ToList() : [];
        var (cvss, vector) = related.Prepend(vuln).Select(PrimaryCvss).FirstOrDefault(c => c.Score is not null);
        var first = artifact.TryGetProperty("locations", out var locs) && locs.ValueKind == JsonValueKind.Array && locs.GetArrayLength() > 0
            ? locs[0] : default;
        var fixes = vuln.TryGetProperty("fix", out var fix) && fix.TryGetProperty("versions", out var versions) && versions.ValueKind == JsonValueKind.Array
            ? versions.EnumerateArray().Select(x => x.GetString()).ToList() : [];
        var location = new FindingLocation
        {
            Package = package,
            Version = artifact.Str("version"),
            File = first.Str("path"),
            Layer = first.Str("layerID"),
        };
        var urls = vuln.TryGetProperty("urls", out var u) && u.ValueKind == JsonValueKind.Array
            ? u.EnumerateArray().Take(10).Select(x => x.GetString()) : [];
        var description = vuln.Str("description") ?? related.Select(x => x.Str("description")).FirstOrDefault(d => d is not null);
        yield return ImageScanning.Vulnerability(context, id, related.Select(x => x.Str("id")), SeverityScale.FromWord(vuln.Str("severity")),
            location, summary: null, description, fixes, cvss, vector, urls.Prepend(vuln.Str("dataSource")));
    }

    /// <summary>"cvss": [{"type": "Primary", "vector": …, "metrics": {"baseScore": 9.8}}, …]: the primary entry, else the first.</summary>
    private static (double? Score, string? Vector) PrimaryCvss(JsonElement vuln)
    {
        if (!vuln.TryGetProperty("cvss", out var list) || list.ValueKind != JsonValueKind.Array) return (null, null);
        var entries = list.EnumerateArray().ToList();
        foreach (var e in entries.Where(e => e.Str("type") == "Primary").Concat(entries))
            if (e.TryGetProperty("metrics", out var metrics) && metrics.TryGetProperty("baseScore", out var s) && s.ValueKind == JsonValueKind.Number)
                return (s.GetDouble(), e.Str("vector"));
        return (null, null);
    }
}

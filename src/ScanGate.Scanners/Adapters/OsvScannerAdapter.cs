using System.Text.Json;
using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>
/// osv-scanner 1.9 (the vendor's release; see deploy/scanners/osv) on an image: the image's entry point fetches the
/// image from its registry as an archive with skopeo and runs <c>osv-scanner --experimental-oci-image</c> on it, which
/// asks the OSV API about every package it finds (so it needs the network). JSON report
/// <c>{"results": [{"source", "packages": [{"package", "vulnerabilities": [OSV records]}]}]}</c>. Severity comes from
/// the record's CVSS v3 vector (scored here), else from the advisory database's word; the fixed version from the
/// record's affected ranges for the installed version. Exit code 1 means "found some", 128 "found no packages".
/// </summary>
public sealed class OsvScannerAdapter : IContainerScanner
{
    public string Name => "osv";
    public string Description => "osv-scanner: known vulnerabilities of an image's packages from the OSV database (on request).";
    public TargetKind TargetKind => TargetKind.ContainerImage;
    public IReadOnlyList<ScannerUse> Uses { get; } = [new("container_image", ByDefault: false)];
    public string DefaultImage => "scangate/osv:latest";

    private const string ReportPath = "/out/report.json";

    // The entry point: scan-image <image> — fetches it, then osv-scanner writes the report.
    public ContainerPlan Plan(RunSpec spec) => ImageScanning.Plan([spec.Target], ReportPath, successExitCodes: [0, 1, 128]);

    public IProgressParser NewProgressParser(RunSpec spec) => new KeywordProgress(
        ("phase: fetching", "fetching the image", 10),
        ("phase: scanning", "matching packages", 50),
        ("phase: done", "done", 99));

    public IAsyncEnumerable<Finding> ParseReportAsync(Stream report, FindingContext context, CancellationToken cancellationToken) =>
        ImageScanning.FindingsAtAsync(report, context, ["results", "[]", "packages", "[]", "vulnerabilities", "[]"], ["source", "package"],
            m => Vulnerability(m, context), cancellationToken);

    private static IEnumerable<Finding> Vulnerability(JsonMatch m, FindingContext context)
    {
        var v = m.Item;
        if (v.Str("id") is not { Length: > 0 } id || m.Get("package") is not { } pkg || pkg.Str("name") is not { Length: > 0 } name) yield break;
        var version = pkg.Str("version");
        var vector = CvssVector(v);
        var score = CvssV3.BaseScore(vector);
        var severity = score is { } s ? SeverityScale.FromCvss(s)
            : SeverityScale.FromWord(v.TryGetProperty("database_specific", out var db) ? db.Str("severity") : null);
        // "aliases" name the same flaw in other databases; "upstream" (Debian's and Ubuntu's records) the CVE behind it.
        var aliases = Strings(v, "aliases").Concat(Strings(v, "upstream")).ToList();
        var references = v.TryGetProperty("references", out var refs) && refs.ValueKind == JsonValueKind.Array
            ? refs.EnumerateArray().Take(10).Select(r => r.Str("url")) : [];
        var location = new FindingLocation { Package = name, Version = version, File = m.Get("source") is { } source ? source.Str("path") : null };
        yield return ImageScanning.Vulnerability(context, id, aliases, severity, location, v.Str("summary"), v.Str("details"),
            [FixFor(v, name, version)], score, vector, references);
    }

    private static IEnumerable<string?> Strings(JsonElement v, string name) =>
        v.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString() : null) : [];

    /// <summary>"severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/…"}]: the v3 vector, else a v4 one (kept, not scored).</summary>
    private static string? CvssVector(JsonElement v)
    {
        if (!v.TryGetProperty("severity", out var list) || list.ValueKind != JsonValueKind.Array) return null;
        var entries = list.EnumerateArray().ToList();
        return entries.FirstOrDefault(e => e.Str("type") == "CVSS_V3").Str("score")
            ?? entries.FirstOrDefault(e => e.Str("type") == "CVSS_V4").Str("score");
    }

    /// <summary>The "fixed" event that closes the range the installed version is in ("introduced" ≤ installed &lt;
    /// "fixed"), among the affected entries of this package (all of them when none names it: Debian's records name
    /// the source package, "expat", of the binary one installed, "libexpat1"); ranges of Git commits are not
    /// versions and are skipped. Null when no range is fixed yet.</summary>
    private static string? FixFor(JsonElement v, string name, string? installed)
    {
        if (!v.TryGetProperty("affected", out var list) || list.ValueKind != JsonValueKind.Array) return null;
        var affected = list.EnumerateArray().ToList();
        var named = affected.Where(a => a.TryGetProperty("package", out var p) && string.Equals(p.Str("name"), name, StringComparison.OrdinalIgnoreCase)).ToList();
        var fixes = new List<string?>();
        foreach (var a in named.Count > 0 ? named : affected)
        {
            if (!a.TryGetProperty("ranges", out var ranges) || ranges.ValueKind != JsonValueKind.Array) continue;
            foreach (var range in ranges.EnumerateArray())
            {
                if (range.Str("type") == "GIT" || !range.TryGetProperty("events", out var events) || events.ValueKind != JsonValueKind.Array) continue;
                string? introduced = null;
                foreach (var e in events.EnumerateArray())
                {
                    if (e.Str("introduced") is { } i) introduced = i;
                    if (e.Str("fixed") is not { } fixedAt) continue;
                    fixes.Add(fixedAt);
                    if (installed is not null && (introduced is null or "0" || VersionOrder.Compare(installed, introduced) >= 0)
                        && VersionOrder.Compare(installed, fixedAt) < 0)
                        return fixedAt;
                }
            }
        }
        return ImageScanning.LowestFixAbove(installed, fixes);
    }
}

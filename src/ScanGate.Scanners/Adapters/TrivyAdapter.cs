using System.Text.Json;
using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>
/// Trivy 0.58 (the vendor's release; see deploy/scanners/trivy) on an image pulled from its registry
/// (<c>--image-src remote</c>): known vulnerabilities of OS and language packages, JSON report (schema version 2).
/// Only the vulnerability scanner runs: secrets and misconfigurations in images are other tools' work here. Trivy
/// downloads its vulnerability database at the start of each run into the work volume, so it needs the network
/// (see <see cref="ImageScanning"/>). Severity is trivy's own (from the source it names); the CVSS score shown is
/// that source's, else NVD's.
/// </summary>
public sealed class TrivyAdapter : IContainerScanner
{
    public string Name => "trivy";
    public string Description => "Trivy: known vulnerabilities of the OS and language packages in a container image.";
    public TargetKind TargetKind => TargetKind.ContainerImage;
    public IReadOnlyList<ScannerUse> Uses { get; } = [new("container_image")];
    public string DefaultImage => "scangate/trivy:latest";

    private const string ReportPath = "/out/report.json";

    public ContainerPlan Plan(RunSpec spec)
    {
        var args = new List<string>
        {
            "image", "--format", "json", "--output", ReportPath, "--scanners", "vuln", "--image-src", "remote",
            "--cache-dir", ImageScanning.WorkPath + "/cache", "--no-progress", "--timeout", "25m",
        };
        if (spec.Profile == "fixable") args.Add("--ignore-unfixed");
        args.AddRange(["--", spec.Target]);
        return ImageScanning.Plan(args, ReportPath);
    }

    // Trivy logs "INFO [vulndb] Need to update DB", "Downloading vulnerability DB...", "Detected OS family=…",
    // "[debian] Detecting vulnerabilities...", "Number of language-specific files num=…".
    public IProgressParser NewProgressParser(RunSpec spec) => new KeywordProgress(
        ("Downloading", "downloading the vulnerability database", 10),
        ("Need to update DB", "downloading the vulnerability database", 5),
        ("Vulnerability scanning is enabled", "reading the image", 30),
        ("Detected OS", "detecting the OS", 50),
        ("Detecting vulnerabilities", "matching OS packages", 60),
        ("language-specific files", "matching language packages", 80));

    public IAsyncEnumerable<Finding> ParseReportAsync(Stream report, FindingContext context, CancellationToken cancellationToken) =>
        ImageScanning.FindingsAtAsync(report, context, ["Results", "[]", "Vulnerabilities", "[]"], ["ArtifactName", "Target", "Class", "Type"],
            m => Vulnerability(m, context), cancellationToken);

    private static IEnumerable<Finding> Vulnerability(JsonMatch m, FindingContext context)
    {
        var v = m.Item;
        if (v.Str("VulnerabilityID") is not { Length: > 0 } id || v.Str("PkgName") is not { Length: > 0 } package) yield break;
        var (cvss, vector) = Cvss(v);
        var layer = v.TryGetProperty("Layer", out var l) ? l.Str("DiffID") ?? l.Str("Digest") : null;
        var location = new FindingLocation
        {
            Package = package,
            Version = v.Str("InstalledVersion"),
            Image = m.Str("ArtifactName"),
            Layer = string.IsNullOrEmpty(layer) ? null : layer,
            // OS packages have no path; a language package's path tells two copies of it apart.
            File = v.Str("PkgPath") ?? (m.Str("Class") == "lang-pkgs" ? m.Str("Target") : null),
        };
        var references = new List<string?> { v.Str("PrimaryURL") };
        if (v.TryGetProperty("References", out var refs) && refs.ValueKind == JsonValueKind.Array)
            references.AddRange(refs.EnumerateArray().Take(10).Select(r => r.ValueKind == JsonValueKind.String ? r.GetString() : null));
        yield return ImageScanning.Vulnerability(context, id, [], SeverityScale.FromWord(v.Str("Severity")), location,
            v.Str("Title"), v.Str("Description"), [v.Str("FixedVersion")], cvss, vector, references);
    }

    /// <summary>"CVSS": {"nvd": {"V3Vector": …, "V3Score": 9.8}, "redhat": {…}}: the severity source's entry, else
    /// NVD's, else the first; v3 before v2.</summary>
    private static (double? Score, string? Vector) Cvss(JsonElement v)
    {
        if (!v.TryGetProperty("CVSS", out var all) || all.ValueKind != JsonValueKind.Object) return (null, null);
        JsonElement? chosen = null;
        foreach (var source in new[] { v.Str("SeveritySource"), "nvd" })
            if (source is not null && all.TryGetProperty(source, out var e)) { chosen = e; break; }
        chosen ??= all.EnumerateObject().Select(p => p.Value).FirstOrDefault();
        if (chosen is not { ValueKind: JsonValueKind.Object } c) return (null, null);
        foreach (var (score, vector) in new[] { ("V3Score", "V3Vector"), ("V40Score", "V40Vector"), ("V2Score", "V2Vector") })
            if (c.TryGetProperty(score, out var s) && s.ValueKind == JsonValueKind.Number)
                return (s.GetDouble(), c.Str(vector));
        return (null, null);
    }
}

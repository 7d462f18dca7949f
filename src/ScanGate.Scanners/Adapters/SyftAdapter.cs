using System.Runtime.CompilerServices;
using System.Text.Json;
using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>
/// Syft 1.18 (the vendor's release; see deploy/scanners/syft) on an image read straight from its registry
/// (<c>registry:</c> source): the image's software bill of materials. Syft writes CycloneDX 1.6 JSON, so the kept raw
/// report is a standard SBOM that names the image and each package's layer; its own syft JSON format is read as well
/// (a report is recognised by its first property), though that format names the image only after its packages, so
/// its findings have no image. Each package is an info <c>sbom_component</c> finding and a package under a denied
/// licence also a <c>license</c> finding (<see cref="CycloneDxComponents"/>).
/// Syft serves only <c>container_image</c>: a scanner has one target kind, and source trees (the <c>sbom</c> scan
/// type, Git repositories) are cdxgen's.
/// </summary>
public sealed class SyftAdapter : IContainerScanner
{
    public string Name => "syft";
    public string Description => "Syft: the software bill of materials of a container image (every OS and language package).";
    public TargetKind TargetKind => TargetKind.ContainerImage;
    public IReadOnlyList<ScannerUse> Uses { get; } = [new("container_image")];
    public string DefaultImage => "scangate/syft:latest";

    private const string ReportPath = "/out/report.json";

    public ContainerPlan Plan(RunSpec spec)
    {
        var args = new List<string> { "scan", "-v", "-o", "cyclonedx-json@1.6=" + ReportPath };
        if (spec.Profile == "all_layers") args.AddRange(["--scope", "all-layers"]);
        args.AddRange(["--", "registry:" + spec.Target]);
        return ImageScanning.Plan(args, ReportPath);
    }

    // syft -v logs "INFO syft version: …", "pulling image", "cataloging packages", "task completed".
    public IProgressParser NewProgressParser(RunSpec spec) => new KeywordProgress(
        ("syft version", "starting", 5),
        ("pulling image", "reading the image", 20),
        ("catalog", "cataloging packages", 50),
        ("task completed", "cataloging packages", 80));

    public async IAsyncEnumerable<Finding> ParseReportAsync(Stream report, FindingContext context,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (isCycloneDx, stream) = await CycloneDxComponents.DetectAsync(report, cancellationToken);
        var findings = isCycloneDx
            ? CycloneDxComponents.ParseAsync(stream, context, cancellationToken)
            : ImageScanning.FindingsAtAsync(stream, context, ["artifacts", "[]"], null, m => Artifact(m, context), cancellationToken);
        await foreach (var f in findings) yield return f;
    }

    /// <summary>Syft's own JSON: "artifacts": [{"name", "version", "type", "locations": [{"path", "layerID"}],
    /// "licenses": [{"value", "spdxExpression"}] (plain strings before schema 10), "purl"}].</summary>
    private static IEnumerable<Finding> Artifact(JsonMatch m, FindingContext context)
    {
        var a = m.Item;
        if (a.Str("name") is not { Length: > 0 } name) return [];
        var first = a.TryGetProperty("locations", out var locs) && locs.ValueKind == JsonValueKind.Array && locs.GetArrayLength() > 0
            ? locs[0] : default;
        var location = new FindingLocation { Package = name, Version = a.Str("version"), File = first.Str("path"), Layer = first.Str("layerID") };
        return CycloneDxComponents.Package(context, location, a.Str("type"), a.Str("purl"), Licenses(a));
    }

    private static IEnumerable<string> Licenses(JsonElement artifact)
    {
        if (!artifact.TryGetProperty("licenses", out var licenses) || licenses.ValueKind != JsonValueKind.Array) yield break;
        foreach (var l in licenses.EnumerateArray())
        {
            var text = l.ValueKind == JsonValueKind.String ? l.GetString() : l.Str("spdxExpression") is { Length: > 0 } spdx ? spdx : l.Str("value");
            if (!string.IsNullOrEmpty(text)) yield return text;
        }
    }
}

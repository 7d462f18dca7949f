using ScanGate.Contracts;

namespace ScanGate.Scanners.Uploads;

/// <summary>A report format ScanGate accepts from scanners run elsewhere, and the parser that reads it.</summary>
public sealed record UploadFormat(
    string Name,
    string Description,
    Func<Stream, FindingContext, string?, CancellationToken, IAsyncEnumerable<Finding>> Parse);

/// <summary>The formats of <c>POST /api/v1/scans/{id}/uploads</c>. Each reuses an adapter's streaming parser.</summary>
public static class UploadFormats
{
    public static IReadOnlyList<UploadFormat> All { get; } =
    [
        new("sarif", "SARIF 2.1.0 from any tool (e.g. checkov -o sarif); the category follows the tool (iac for checkov and the like, secret for secret scanners, else sast) unless the upload names one",
            (report, context, category, ct) => category is null
                ? Sarif.SarifImporter.ReadAsync(report, context, ct)
                : Sarif.SarifImporter.ReadAsync(report, context, category, ct)),
        new("cyclonedx", "A CycloneDX JSON SBOM (any tool, e.g. syft -o cyclonedx-json, cdxgen): one sbom_component finding per component, licences on the deny list as license findings",
            (report, context, _, ct) => Adapters.CycloneDxComponents.ParseAsync(report, context, ct)),
        new("syft", "Syft's own JSON (syft -o json), or its CycloneDX JSON: the packages as sbom_component findings",
            (report, context, _, ct) => new Adapters.SyftAdapter().ParseReportAsync(report, context, ct)),
    ];

    public static UploadFormat? Find(string name) => All.FirstOrDefault(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
}

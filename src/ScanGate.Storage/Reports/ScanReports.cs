using ScanGate.Contracts;

namespace ScanGate.Storage.Reports;

/// <summary>Writes one report of a scan's findings to a stream.</summary>
public delegate Task ReportWriter(ReportScope scope, FindingSource findings, Stream output, CancellationToken cancellationToken);

/// <summary>One kind of report: the artifact a scan keeps of it, and the word the export endpoint knows it by.</summary>
public sealed record ReportKind(string Word, ArtifactDescriptor Artifact, ReportWriter Write, bool SbomOnly = false)
{
    /// <summary>The file name an export of a scan is offered under, e.g. "scn_….findings.csv".</summary>
    public string ExportName(string scanId) => $"{scanId}.{Artifact.Name.Replace("report.", "findings.", StringComparison.Ordinal)}";
}

/// <summary>
/// The reports a scan keeps as artifacts when it ends — SARIF, CSV and HTML always; CycloneDX and SPDX SBOMs when
/// it found software components — and the ones the API exports live.
/// </summary>
public static class ScanReports
{
    public static readonly ReportKind Sarif = new("sarif", new("report.sarif", ArtifactType.Sarif, SarifReport.MediaType), SarifReport.WriteAsync);
    public static readonly ReportKind Csv = new("csv", new("findings.csv", ArtifactType.Csv, CsvReport.MediaType), CsvReport.WriteAsync);
    public static readonly ReportKind Html = new("html", new("report.html", ArtifactType.Html, HtmlReport.MediaType), HtmlReport.WriteAsync);
    public static readonly ReportKind CycloneDx = new("cyclonedx", new("sbom.cdx.json", ArtifactType.Cyclonedx, CycloneDxReport.MediaType), CycloneDxReport.WriteAsync, SbomOnly: true);
    public static readonly ReportKind Spdx = new("spdx", new("sbom.spdx.json", ArtifactType.Spdx, SpdxReport.MediaType), SpdxReport.WriteAsync, SbomOnly: true);

    public static readonly IReadOnlyList<ReportKind> All = [Sarif, Csv, Html, CycloneDx, Spdx];

    /// <summary>What GET /scans/{id}/findings/export?format= offers.</summary>
    public static readonly IReadOnlyList<ReportKind> Exports = [Csv, Html, Sarif];

    public static ReportKind? Export(string? word) => Exports.FirstOrDefault(k => k.Word == word);

    /// <summary>
    /// Writes each report of the scan to a temporary file, then puts it in the artifact store. A report that
    /// cannot be written or stored is left out and named in the answer with its error; the others are still kept.
    /// </summary>
    public static async Task<IReadOnlyList<(string Name, Exception Error)>> KeepAsync(IArtifactStore artifacts, FindingSource findings,
        ReportScope scope, CancellationToken cancellationToken = default)
    {
        var failures = new List<(string, Exception)>();
        var hasSbom = false;
        try
        {
            hasSbom = await findings.CountAsync(q => q with { Category = FindingCategories.SbomComponent }, cancellationToken) > 0;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            failures.Add(("sbom", ex));
        }
        foreach (var kind in All.Where(k => !k.SbomOnly || hasSbom))
        {
            try
            {
                await using var spool = TempSpool.Create();
                await kind.Write(scope, findings, spool, cancellationToken);
                spool.Position = 0;
                await artifacts.PutAsync(scope.ScanId, kind.Artifact, spool, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                failures.Add((kind.Artifact.Name, ex));
            }
        }
        return failures;
    }
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ScanGate.Api.Auth;
using ScanGate.Contracts;
using ScanGate.Storage.Reports;

namespace ScanGate.Api;

/// <summary>
/// A scan's findings exported live as CSV, HTML or SARIF: the same writers that make the scan's report artifacts,
/// fed page by page through the scan grain (so an API node that is only an Orleans client serves them too), with
/// the filters of the findings list.
/// </summary>
public static class ReportEndpoints
{
    public static RouteGroupBuilder MapReportEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/scans/{id}/findings/export", Export).RequireScope(Scopes.FindingsRead).WithTags("findings")
            .WithName("exportScanFindings").WithSummary("Export a scan's findings (SARIF, CycloneDX, SPDX, CSV, HTML, JUnit, GitLab SAST)").Produces(StatusCodes.Status200OK, typeof(byte[]), "application/octet-stream").ProducesProblems(400, 404);
        return api;
    }

    private static async Task<IResult> Export(string id, string? format, HttpContext http, IGrainFactory grains)
    {
        if (ScanReports.Export(format) is not { } kind)
            return Problems.BadRequest("format", $"format must be one of {string.Join(", ", ScanReports.Exports.Select(k => k.Word))}");
        var (filter, error) = FindingEndpoints.ReadFilters(http.Request);
        if (error is not null) return error;
        if (await http.VisibleScanAsync(id) is not { } scan) return Problems.ScanNotFound(id);

        var grain = grains.GetGrain<IScanGrain>(id);
        var findings = new FindingSource((query, _) => grain.Findings(query with { ScanId = null }), filter! with { ScanId = null });
        http.Response.Headers.XContentTypeOptions = "nosniff";
        if (kind == ScanReports.Html) http.Response.Headers.ContentSecurityPolicy = HtmlReport.ContentSecurityPolicy;
        return TypedResults.Stream(body => kind.Write(ReportScope.Of(scan), findings, body, http.RequestAborted),
            kind.Artifact.MediaType, kind.ExportName(id));
    }
}

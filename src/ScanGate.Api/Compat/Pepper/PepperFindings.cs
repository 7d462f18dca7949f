using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;
using ScanGate.Api.Auth;
using ScanGate.Contracts;

namespace ScanGate.Api.Compat.Pepper;

/// <summary>Findings: lists with filters (the organisation's, a scan's), triage of one, triage in bulk.</summary>
public static class PepperFindings
{
    /// <summary>This platform's filters and the native query parameters they become.</summary>
    private static readonly Dictionary<string, string> Filters = new()
    {
        ["severity"] = "severity", ["minSeverity"] = "min_severity", ["status"] = "status", ["scanner"] = "scanner",
        ["category"] = "category", ["search"] = "text", ["projectId"] = "project", ["scanId"] = "scan_id",
        ["cursor"] = "cursor", ["limit"] = "limit",
    };
    private static readonly string[] WordFilters = ["severity", "minSeverity", "status"];
    private static readonly Dictionary<string, string> TriageFields = new() { ["status"] = "status", ["note"] = "note" };
    private static readonly Dictionary<string, string> BulkFields = new() { ["findingIds"] = "ids", ["status"] = "status", ["note"] = "note" };

    public static RouteGroupBuilder MapPepperFindings(this RouteGroupBuilder api)
    {
        api.MapGet("/findings", ListFindings).RequireScope(Scopes.FindingsRead);
        api.MapGet("/scans/{id}/findings", ListScanFindings).RequireScope(Scopes.FindingsRead);
        api.MapPatch("/findings/{id}", PatchFinding).RequireScope(Scopes.FindingsWrite);
        api.MapPost("/findings/bulk", BulkTriage).RequireScope(Scopes.FindingsWrite);
        return api;
    }

    private static IResult? UseNativeFilters(HttpContext http)
    {
        var query = new Dictionary<string, StringValues>();
        foreach (var (name, value) in http.Request.Query)
        {
            if (!Filters.TryGetValue(name, out var native))
                return PepperEndpoints.BadRequest(name, $"unknown filter '{name}'; filters: {string.Join(", ", Filters.Keys)}");
            query[native] = WordFilters.Contains(name) ? PepperEndpoints.Lower(value.ToString()) : value;
        }
        PepperEndpoints.UseNativeQuery(http, query);
        return null;
    }

    private static async Task<IResult> ListFindings(HttpContext http, IGrainFactory grains)
    {
        if (UseNativeFilters(http) is { } error) return error;
        return Page(await FindingEndpoints.ListFindings(http, grains));
    }

    private static async Task<IResult> ListScanFindings(string id, HttpContext http, IGrainFactory grains)
    {
        var (_, missing) = await PepperEndpoints.ScanAsync(http, grains, id);
        if (missing is not null) return missing;
        if (UseNativeFilters(http) is { } error) return error;
        return Page(await FindingEndpoints.ListScanFindings(id, http, grains));
    }

    private static IResult Page(IResult native)
    {
        var (page, error) = PepperEndpoints.Unwrap<FindingPageView>(native);
        return error ?? PepperEndpoints.Ok(new { findings = page!.Items.Select(View), nextCursor = page.NextCursor, total = page.Total });
    }

    /// <summary>A finding in this platform's words.</summary>
    public static object View(FindingView f) => new
    {
        findingId = f.Id, scanId = f.ScanId, projectId = f.Project, fingerprint = f.Fingerprint, scanner = f.Scanner, category = f.Category,
        severity = f.Severity.ToUpperInvariant(), status = f.Status.ToUpperInvariant(), title = f.Title, description = f.Description,
        ruleId = f.RuleId, file = f.Location.File, line = f.Location.Line, location = f.Location, cves = f.Cves, cvss = f.Cvss,
        remediation = f.Remediation, references = f.References, fixedVersion = f.FixedVersion, detectedAt = f.DetectedAt,
        statusNote = f.StatusNote, statusChangedAt = f.StatusChangedAt, statusChangedBy = f.StatusChangedBy,
    };

    private static async Task<IResult> PatchFinding(string id, HttpContext http, IGrainFactory grains)
    {
        if (await grains.GetGrain<IFindingTriageGrain>(0).Get(id) is not { } finding) return PepperEndpoints.NotFound($"no finding '{id}'");
        if (!http.Caller().SeesOrg(finding.OrgId))
            return PepperEndpoints.Forbidden($"finding '{id}' belongs to an organisation this key is not a member of");
        var (body, error) = await PepperEndpoints.ReadJsonAsync(http.Request);
        if (error is not null) return error;
        try { PepperEndpoints.UseNativeBody(http, PepperEndpoints.Translate(body, TriageFields, Word)); }
        catch (RequestValidationException ex) { return PepperEndpoints.BadRequest(ex.Field, ex.Message); }
        var (view, refused) = PepperEndpoints.Unwrap<FindingView>(await FindingEndpoints.PatchFinding(id, http, grains));
        return refused ?? PepperEndpoints.Ok(View(view!));
    }

    private static async Task<IResult> BulkTriage(HttpContext http, IGrainFactory grains)
    {
        var (body, error) = await PepperEndpoints.ReadJsonAsync(http.Request);
        if (error is not null) return error;
        try { PepperEndpoints.UseNativeBody(http, PepperEndpoints.Translate(body, BulkFields, Word)); }
        catch (RequestValidationException ex) { return PepperEndpoints.BadRequest(ex.Field, ex.Message); }
        var (result, refused) = PepperEndpoints.Unwrap<BulkTriageView>(await FindingEndpoints.BulkTriage(http, grains));
        return refused ?? PepperEndpoints.Ok(new { updated = result!.Updated, notFound = result.NotFound, findings = result.Items.Select(View) });
    }

    private static JsonNode? Word(string field, JsonNode? value) => field == "status" ? PepperEndpoints.LowerWord(value) : value;
}

using System.Text.Json;
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
    private static readonly Dictionary<string, string> TriageFields = new() { ["status"] = "status", ["statusNote"] = "note" };
    private static readonly Dictionary<string, string> BulkFields = new() { ["ids"] = "ids", ["status"] = "status", ["statusNote"] = "note" };

    public static RouteGroupBuilder MapPepperFindings(this RouteGroupBuilder api)
    {
        api.MapGet("/findings", ListFindings).RequireScope(Scopes.FindingsRead);
        api.MapGet("/scans/{id}/findings", ListScanFindings).RequireScope(Scopes.FindingsRead);
        api.MapPatch("/findings/{id}", PatchFinding).RequireScope(Scopes.FindingsWrite);
        api.MapPost("/findings/bulk", BulkTriage).RequireScope(Scopes.FindingsWrite);
        return api;
    }

    /// <summary>This platform's filters read as the native ones.</summary>
    private static (FindingQuery? Query, IResult? Error) ReadFilters(HttpContext http)
    {
        var query = new Dictionary<string, StringValues>();
        foreach (var (name, value) in http.Request.Query)
        {
            if (!Filters.TryGetValue(name, out var native))
                return (null, PepperEndpoints.BadRequest(name, $"unknown filter '{name}'; filters: {string.Join(", ", Filters.Keys)}"));
            query[native] = WordFilters.Contains(name) ? PepperEndpoints.Lower(value.ToString()) : value;
        }
        var (filters, error) = FindingEndpoints.ReadFilters(query);
        return (filters, error is null ? null : PepperEndpoints.Rewrap(error, NativeFilterName));
    }

    private static string NativeFilterName(string native) => Filters.FirstOrDefault(f => f.Value == native).Key ?? native;

    private static async Task<IResult> ListFindings(HttpContext http, FindingService findings)
    {
        var (query, error) = ReadFilters(http);
        if (error is not null) return error;
        return Page(await findings.ListAsync(http.Actor(), query!));
    }

    private static async Task<IResult> ListScanFindings(string id, HttpContext http, IGrainFactory grains, ScanQueries queries)
    {
        var (_, missing) = await PepperEndpoints.ScanAsync(http, grains, id);
        if (missing is not null) return missing;
        var (query, error) = ReadFilters(http);
        if (error is not null) return error;
        return Page(await queries.FindingsAsync(http.Caller(), id, query!));
    }

    private static IResult Page(Outcome<FindingPage> page) => page.Ok
        ? PepperEndpoints.Ok(new { findings = page.Value!.Items.Select(FindingView.Of).Select(View), nextCursor = page.Value.NextCursor, total = page.Value.Total })
        : PepperEndpoints.From(page.Error!, NativeFilterName);

    /// <summary>A finding in this platform's words.</summary>
    public static object View(FindingView f) => new
    {
        id = f.Id, scanId = f.ScanId, projectId = f.Project, fingerprint = f.Fingerprint, scanner = f.Scanner, category = f.Category,
        severity = f.Severity.ToUpperInvariant(), status = f.Status.ToUpperInvariant(), title = f.Title, description = f.Description,
        ruleId = f.RuleId, filePath = f.Location.File, startLine = f.Location.Line, location = f.Location, cves = f.Cves, cvss = f.Cvss,
        remediation = f.Remediation, references = f.References, fixedVersion = f.FixedVersion, detectedAt = f.DetectedAt,
        statusNote = f.StatusNote, statusChangedAt = f.StatusChangedAt, statusChangedBy = f.StatusChangedBy,
    };

    private static async Task<IResult> PatchFinding(string id, HttpContext http, IGrainFactory grains, FindingService findings)
    {
        if (await grains.GetGrain<IFindingTriageGrain>(0).Get(id) is not { } finding) return PepperEndpoints.NotFound($"no finding '{id}'");
        if (!http.Caller().SeesOrg(finding.OrgId))
            return PepperEndpoints.Forbidden($"finding '{id}' belongs to an organisation this key is not a member of");
        var (body, error) = await PepperEndpoints.ReadJsonAsync(http.Request);
        if (error is not null) return error;
        try
        {
            var (status, note) = FindingEndpoints.ReadTriage(JsonSerializer.SerializeToElement(PepperEndpoints.Translate(body, TriageFields, Word)));
            var result = await findings.SetStatusAsync(http.Actor(), [id], status, note);
            if (!result.Ok) return PepperEndpoints.From(result.Error!);
            return result.Value!.Updated.Count == 0 ? PepperEndpoints.NotFound($"no finding '{id}'") : PepperEndpoints.Ok(View(FindingView.Of(result.Value.Updated[0])));
        }
        catch (RequestValidationException ex) { return PepperEndpoints.BadRequest(PepperEndpoints.FieldName(ex.Field), ex.Message); }
    }

    private static async Task<IResult> BulkTriage(HttpContext http, FindingService findings)
    {
        var (body, error) = await PepperEndpoints.ReadJsonAsync(http.Request);
        if (error is not null) return error;
        try
        {
            var native = JsonSerializer.SerializeToElement(PepperEndpoints.Translate(body, BulkFields, Word));
            if (!native.TryGetProperty("ids", out var ids) || ids.ValueKind != JsonValueKind.Array || ids.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
                throw new RequestValidationException("ids", "ids must be a non-empty array of finding ids");
            var (status, note) = FindingEndpoints.ReadTriage(native);
            var result = await findings.SetStatusAsync(http.Actor(), ids.EnumerateArray().Select(e => e.GetString()!).ToList(), status, note, bulk: true);
            if (!result.Ok) return PepperEndpoints.From(result.Error!);
            var (updated, notFound) = result.Value!;
            return PepperEndpoints.Ok(new { updated = updated.Count, notFound, findings = updated.Select(FindingView.Of).Select(View) });
        }
        catch (RequestValidationException ex) { return PepperEndpoints.BadRequest(PepperEndpoints.FieldName(ex.Field), ex.Message); }
    }

    private static JsonNode? Word(string field, JsonNode? value) => field == "status" ? PepperEndpoints.LowerWord(value) : value;
}

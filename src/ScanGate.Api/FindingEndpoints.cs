using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ScanGate.Api.Auth;
using ScanGate.Contracts;

namespace ScanGate.Api;

public static class FindingEndpoints
{
    public const int MaxBulk = 1000;

    public static RouteGroupBuilder MapFindingEndpoints(this RouteGroupBuilder api)
    {
        var findings = api.MapGroup("/findings").WithTags("findings");
        findings.MapGet("", ListFindings).RequireScope(Scopes.FindingsRead);
        findings.MapGet("/{id}", GetFinding).RequireScope(Scopes.FindingsRead);
        findings.MapPatch("/{id}", PatchFinding).RequireScope(Scopes.FindingsWrite);
        findings.MapPost("/bulk", BulkTriage).RequireScope(Scopes.FindingsWrite);
        return api;
    }

    /// <summary>Filters shared by the scan's and the organisation's finding lists.</summary>
    internal static (FindingQuery? Query, IResult? Error) ReadFilters(HttpRequest request)
    {
        var q = request.Query;
        var query = new FindingQuery();
        if (q.TryGetValue("limit", out var limitText))
        {
            if (!int.TryParse(limitText, out var limit) || limit is < 1 or > 500) return (null, Problems.BadRequest("limit", "limit must be between 1 and 500"));
            query = query with { Limit = limit };
        }
        if (q.TryGetValue("cursor", out var cursor))
        {
            if (!ScanEndpoints.CursorText().IsMatch(cursor.ToString())) return (null, Problems.BadRequest("cursor", "cursor is not one this API issued"));
            query = query with { Cursor = cursor.ToString() };
        }
        if (q.TryGetValue("severity", out var severities))
        {
            var list = new List<Severity>();
            foreach (var word in severities.ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!StatusWords.TryParseSeverity(word, out var s)) return (null, Problems.BadRequest("severity", "severity must be a comma-separated list of critical, high, medium, low, info"));
                list.Add(s);
            }
            query = query with { Severities = list };
        }
        if (q.TryGetValue("min_severity", out var min))
        {
            if (!StatusWords.TryParseSeverity(min, out var s)) return (null, Problems.BadRequest("min_severity", "min_severity must be one of critical, high, medium, low, info"));
            query = query with { MinSeverity = s };
        }
        if (q.TryGetValue("status", out var status))
        {
            if (ParseStatus(status.ToString()) is not { } st) return (null, Problems.BadRequest("status", StatusRule));
            query = query with { Status = st };
        }
        if (q.TryGetValue("scanner", out var scanner)) query = query with { Scanner = scanner.ToString() };
        if (q.TryGetValue("category", out var category)) query = query with { Category = category.ToString() };
        if (q.TryGetValue("project", out var project)) query = query with { ProjectKey = project.ToString() };
        if (q.TryGetValue("scan_id", out var scanId)) query = query with { ScanId = scanId.ToString() };
        if (q.TryGetValue("text", out var text))
        {
            if (text.ToString().Length > 200) return (null, Problems.BadRequest("text", "text must be at most 200 characters"));
            query = query with { Text = text.ToString() };
        }
        return (query, null);
    }

    private static readonly string StatusRule = $"status must be one of {StatusWords.Words<FindingStatus>()}";

    private static FindingStatus? ParseStatus(string word) => StatusWords.ParseWord<FindingStatus>(word);

    internal static async Task<IResult> ListScanFindings(string id, HttpContext http, IGrainFactory grains)
    {
        var (query, error) = ReadFilters(http.Request);
        if (error is not null) return error;
        if (await http.VisibleScanAsync(grains, id) is null) return Problems.ScanNotFound(id);
        return await Page(() => grains.GetGrain<IScanGrain>(id).Findings(query! with { ScanId = null }));
    }

    internal static async Task<IResult> ListFindings(HttpContext http, IGrainFactory grains)
    {
        var (query, error) = ReadFilters(http.Request);
        if (error is not null) return error;
        return await Page(() => grains.GetGrain<IFindingTriageGrain>(0).List(http.Caller().OrgScope(), query!));
    }

    private static async Task<IResult> Page(Func<Task<FindingPage>> read)
    {
        try
        {
            var page = await read();
            return TypedResults.Ok(new FindingPageView(page.Items.Select(FindingView.Of).ToList(), page.NextCursor, page.Total));
        }
        catch (ArgumentException ex) when (ex.ParamName == "cursor")
        {
            return Problems.BadRequest("cursor", "cursor is not one this API issued");
        }
    }

    private static async Task<IResult> GetFinding(string id, HttpContext http, IGrainFactory grains) =>
        await grains.GetGrain<IFindingTriageGrain>(0).Get(id) is { } f && http.Caller().SeesOrg(f.OrgId)
            ? TypedResults.Ok(FindingView.Of(f)) : Problems.NotFound($"no finding '{id}'");

    internal static async Task<IResult> PatchFinding(string id, HttpContext http, IGrainFactory grains)
    {
        var (body, error) = await RequestBody.ReadObjectAsync(http.Request, "status", "note");
        if (error is not null) return error;
        try
        {
            var (status, note) = ReadTriage(body);
            var result = await grains.GetGrain<IFindingTriageGrain>(0).SetStatus(http.Caller().OrgScope(), [id], status, note, http.Caller().MemberId);
            if (result.Updated.Count == 0) return Problems.NotFound($"no finding '{id}'");
            var f = result.Updated[0];
            await http.AuditAsync(grains, "finding.triaged", id, new Dictionary<string, string> { ["status"] = status.Word(), ["scan"] = f.ScanId }, orgId: f.OrgId);
            return TypedResults.Ok(FindingView.Of(f));
        }
        catch (RequestValidationException ex) { return Problems.BadRequest(ex.Field, ex.Message); }
    }

    internal static async Task<IResult> BulkTriage(HttpContext http, IGrainFactory grains)
    {
        var (body, error) = await RequestBody.ReadObjectAsync(http.Request, "ids", "status", "note");
        if (error is not null) return error;
        try
        {
            if (!body.TryGetProperty("ids", out var ids) || ids.ValueKind != JsonValueKind.Array || ids.GetArrayLength() == 0
                || ids.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
                throw new RequestValidationException("ids", "ids must be a non-empty array of finding ids");
            if (ids.GetArrayLength() > MaxBulk) throw new RequestValidationException("ids", $"at most {MaxBulk} ids at once");
            var (status, note) = ReadTriage(body);
            var result = await grains.GetGrain<IFindingTriageGrain>(0).SetStatus(http.Caller().OrgScope(),
                ids.EnumerateArray().Select(e => e.GetString()!).ToList(), status, note, http.Caller().MemberId);
            foreach (var f in result.Updated)
                await http.AuditAsync(grains, "finding.triaged", f.Id, new Dictionary<string, string> { ["status"] = status.Word(), ["scan"] = f.ScanId, ["bulk"] = "true" }, orgId: f.OrgId);
            return TypedResults.Ok(new BulkTriageView(result.Updated.Count, result.NotFound, result.Updated.Select(FindingView.Of).ToList()));
        }
        catch (RequestValidationException ex) { return Problems.BadRequest(ex.Field, ex.Message); }
    }

    private static (FindingStatus Status, string? Note) ReadTriage(JsonElement body)
    {
        var word = RequestBody.RequiredString(body, "status", 50);
        var status = ParseStatus(word) ?? throw new RequestValidationException("status", StatusRule);
        return (status, RequestBody.String(body, "note", 2000));
    }
}

using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ScanGate.Api.Auth;
using ScanGate.Contracts;

namespace ScanGate.Api;

public static class FindingEndpoints
{
    public static RouteGroupBuilder MapFindingEndpoints(this RouteGroupBuilder api)
    {
        var findings = api.MapGroup("/findings").WithTags("findings");
        findings.MapGet("", ListFindings).RequireScope(Scopes.FindingsRead)
            .WithName("listFindings").WithSummary("List the organisation's findings").Produces<FindingPageView>().ProducesProblems(400);
        findings.MapGet("/{id}", GetFinding).RequireScope(Scopes.FindingsRead)
            .WithName("getFinding").WithSummary("Get a finding").Produces<FindingView>().ProducesProblems(404);
        findings.MapPatch("/{id}", PatchFinding).RequireScope(Scopes.FindingsWrite)
            .WithName("triageFinding").WithSummary("Change a finding's triage status").DescribesBody<FindingTriageDocument>().Produces<FindingView>().ProducesProblems(400, 404, 413);
        findings.MapPost("/bulk", BulkTriage).RequireScope(Scopes.FindingsWrite)
            .WithName("triageFindings").WithSummary("Change the triage status of several findings").DescribesBody<BulkTriageDocument>().Produces<BulkTriageView>().ProducesProblems(400, 413);
        return api;
    }

    /// <summary>Filters shared by the scan's and the organisation's finding lists.</summary>
    internal static (FindingQuery? Query, IResult? Error) ReadFilters(HttpRequest request) =>
        ReadFilters(request.Query.ToDictionary(p => p.Key, p => p.Value));

    /// <summary>The filters from query parameters in the native names.</summary>
    internal static (FindingQuery? Query, IResult? Error) ReadFilters(IReadOnlyDictionary<string, Microsoft.Extensions.Primitives.StringValues> q)
    {
        var query = new FindingQuery();
        if (q.TryGetValue("limit", out var limitText))
        {
            if (!int.TryParse(limitText, out var limit) || limit is < 1 or > 500) return (null, Problems.BadRequest("limit", "limit must be between 1 and 500"));
            query = query with { Limit = limit };
        }
        if (q.TryGetValue("cursor", out var cursor))
        {
            if (!Cursors.IsWellFormed(cursor.ToString())) return (null, Problems.BadRequest("cursor", "cursor is not one this API issued"));
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

    internal static async Task<IResult> ListScanFindings(string id, HttpContext http, ScanQueries queries)
    {
        var (query, error) = ReadFilters(http.Request);
        if (error is not null) return error;
        return Page(await queries.FindingsAsync(http.Caller(), id, query!));
    }

    internal static async Task<IResult> ListFindings(HttpContext http, FindingService findings)
    {
        var (query, error) = ReadFilters(http.Request);
        if (error is not null) return error;
        return Page(await findings.ListAsync(http.Actor(), query!));
    }

    private static IResult Page(Outcome<FindingPage> page) => page.Ok
        ? TypedResults.Ok(new FindingPageView(page.Value!.Items.Select(FindingView.Of).ToList(), page.Value.NextCursor, page.Value.Total))
        : Problems.From(page.Error!);

    private static async Task<IResult> GetFinding(string id, HttpContext http, FindingService findings) =>
        await findings.GetAsync(http.Actor(), id) is { } f ? TypedResults.Ok(FindingView.Of(f)) : Problems.NotFound($"no finding '{id}'");

    internal static async Task<IResult> PatchFinding(string id, HttpContext http, FindingService findings)
    {
        var (body, error) = await RequestBody.ReadObjectAsync(http.Request, "status", "note");
        if (error is not null) return error;
        try
        {
            var (status, note) = ReadTriage(body);
            var result = await findings.SetStatusAsync(http.Actor(), [id], status, note);
            if (!result.Ok) return Problems.From(result.Error!);
            if (result.Value!.Updated.Count == 0) return Problems.NotFound($"no finding '{id}'");
            return TypedResults.Ok(FindingView.Of(result.Value.Updated[0]));
        }
        catch (RequestValidationException ex) { return Problems.BadRequest(ex.Field, ex.Message); }
    }

    internal static async Task<IResult> BulkTriage(HttpContext http, FindingService findings)
    {
        var (body, error) = await RequestBody.ReadObjectAsync(http.Request, "ids", "status", "note");
        if (error is not null) return error;
        try
        {
            if (!body.TryGetProperty("ids", out var ids) || ids.ValueKind != JsonValueKind.Array || ids.GetArrayLength() == 0
                || ids.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
                throw new RequestValidationException("ids", "ids must be a non-empty array of finding ids");
            var (status, note) = ReadTriage(body);
            var result = await findings.SetStatusAsync(http.Actor(), ids.EnumerateArray().Select(e => e.GetString()!).ToList(), status, note, bulk: true);
            if (!result.Ok) return Problems.From(result.Error!);
            return TypedResults.Ok(new BulkTriageView(result.Value!.Updated.Count, result.Value.NotFound, result.Value.Updated.Select(FindingView.Of).ToList()));
        }
        catch (RequestValidationException ex) { return Problems.BadRequest(ex.Field, ex.Message); }
    }

    internal static (FindingStatus Status, string? Note) ReadTriage(JsonElement body)
    {
        var word = JsonFields.RequiredString(body, "status", 50);
        var status = ParseStatus(word) ?? throw new RequestValidationException("status", StatusRule);
        return (status, JsonFields.String(body, "note", FindingService.MaxNoteLength));
    }
}

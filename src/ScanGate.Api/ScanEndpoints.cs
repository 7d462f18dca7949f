using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using ScanGate.Application.Live;
using ScanGate.Api.Auth;
using ScanGate.Contracts;
using ScanGate.Scanners;
using ScanGate.Scanners.Catalog;

namespace ScanGate.Api;

public static class ScanEndpoints
{
    public static RouteGroupBuilder MapScanEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/scan-types", async (ScanQueries queries) => TypedResults.Ok(ScanTypes(await queries.ScanTypesAsync())))
            .RequireScope(Scopes.ScansRead).WithTags("scans")
            .WithName("listScanTypes").WithSummary("List the scan types, their profiles and scanners").Produces<List<ScanTypeView>>();
        api.MapPost("/scans", CreateScan).RequireScope(Scopes.ScansTrigger).WithTags("scans")
            .WithName("createScan").WithSummary("Trigger a scan").DescribesBody<ScanRequestDocument>().Produces<CreatedScanView>(StatusCodes.Status202Accepted).ProducesProblems(400, 402, 409, 413, 503);
        api.MapGet("/scans", ListScans).RequireScope(Scopes.ScansRead).WithTags("scans")
            .WithName("listScans").WithSummary("List scans, newest first").Produces<ScanListView>().ProducesProblems(400);
        api.MapGet("/scans/{id}", GetScan).RequireScope(Scopes.ScansRead).WithTags("scans")
            .WithName("getScan").WithSummary("Get a scan").Produces<ScanView>().ProducesProblems(404);
        api.MapGet("/scans/{id}/results", GetResults).RequireScope(Scopes.ScansRead).WithTags("scans")
            .WithName("getScanResults").WithSummary("Get a scan's results and gate verdict").Produces<ResultsView>().ProducesProblems(404);
        api.MapGet("/scans/{id}/findings", FindingEndpoints.ListScanFindings).RequireScope(Scopes.FindingsRead).WithTags("findings")
            .WithName("listScanFindings").WithSummary("List a scan's findings").Produces<FindingPageView>().ProducesProblems(400, 404);
        api.MapGet("/scans/{id}/events", StreamEvents).RequireScope(Scopes.ScansRead).WithTags("scans")
            .WithName("streamScanEvents").WithSummary("Follow a scan's progress as server-sent events").DescribedAsEventStream().ProducesProblems(404);
        api.MapPost("/scans/{id}/rescan", (string id, HttpContext http, ScanCommands commands) => RunCommand(id, "rescan", http, commands))
            .RequireScope(Scopes.ScansTrigger).WithTags("scans")
            .WithName("rescanScan").WithSummary("Run a scan again with the same request").Produces<ScanView>(StatusCodes.Status202Accepted).ProducesProblems(402, 404, 409, 503);
        api.MapPost("/scans/{id}/{command:regex(^(pause|resume|stop|cancel)$)}", RunCommand).RequireScope(Scopes.ScansManage).WithTags("scans")
            .WithName("controlScan").WithSummary("Pause, resume, stop or cancel a scan").Produces<ScanView>().Produces<ScanView>(StatusCodes.Status202Accepted).ProducesProblems(404, 409, 503);
        return api;
    }

    /// <summary>The catalogue as GET /scan-types answers it (the console's new-scan form reads the same).</summary>
    public static IReadOnlyList<ScanTypeView> ScanTypes((ScanCatalog Catalog, IReadOnlyDictionary<string, bool>? Available) types) => types.Catalog.ScanTypes
        .OrderBy(t => t.Name, StringComparer.Ordinal)
        .Select(t => new ScanTypeView(t.Name, t.Description, t.TargetKind.Word(), t.DefaultProfile,
            t.Profiles.Select(p => new ProfileView(p.Name, p.Description, p.Name == t.DefaultProfile)).ToList(),
            types.Catalog.ScannersFor(t.Name).Select(s => new ScanTypeScannerView(s.Name, s.Description,
                s.Uses.Any(u => u.ScanType == t.Name && u.ByDefault), s is IInProcessScanner ? "in_process" : "container",
                types.Available is null ? null : types.Available.TryGetValue(s.Name, out var up) && up)).ToList(),
            types.Available is null ? null : types.Catalog.DefaultScannersFor(t.Name).Where(s => types.Available.GetValueOrDefault(s.Name)).Select(s => s.Name).ToList()))
        .ToList();

    private static async Task<IResult> CreateScan(HttpContext http, ScanCommands commands, IOptions<ApiOptions> apiOptions)
    {
        var (body, error) = await RequestBody.ReadObjectAsync(http.Request);
        if (error is not null) return error;
        var started = await commands.SubmitAsync(http.Actor(), body, apiOptions.Value.AllowPrivateCallbacks, http.RequestAborted);
        if (!started.Ok) return Problems.From(started.Error!);
        var id = started.Value!.Scan.Id;
        return TypedResults.Accepted($"/api/v1/scans/{id}", new CreatedScanView(id, "queued", ScanView.LinksOf(id)));
    }

    internal static async Task<IResult> ListScans(HttpContext http, ScanQueries queries, string? project, string? status, string? scan_type,
        string? branch, DateTimeOffset? since, string? cursor, int? limit)
    {
        var statusFilter = StatusWords.ParseWord<ScanStatus>(status);
        if (status is not null && statusFilter is null)
            return Problems.BadRequest("status", $"status must be one of {StatusWords.Words<ScanStatus>()}");
        var page = await queries.ListAsync(http.Actor(), new ScanListQuery
        {
            ProjectKey = project, Status = statusFilter, ScanType = scan_type, Branch = branch, Since = since, Cursor = cursor, Limit = limit ?? 50,
        });
        return page.Ok ? TypedResults.Ok(new ScanListView(page.Value!.Items.Select(ScanListItemView.Of).ToList(), page.Value.NextCursor)) : Problems.From(page.Error!);
    }

    private static async Task<IResult> GetScan(string id, HttpContext http) =>
        await http.VisibleScanAsync(id) is { } s ? TypedResults.Ok(ScanView.Of(s)) : Problems.ScanNotFound(id);

    private static async Task<IResult> GetResults(string id, HttpContext http)
    {
        if (await http.VisibleScanAsync(id) is not { } s) return Problems.ScanNotFound(id);
        var v = ScanView.Of(s);
        return TypedResults.Ok(new ResultsView(v.Id, v.ScanType, v.Target, v.ScanProfile, v.Status, v.CreatedAt, v.StartedAt, v.FinishedAt,
            v.Scanners, v.Counts, v.GatePassed, v.FailOnSeverity, s.GateReasons, s.Counts.Total, v.Project, v.Branch, v.PipelineContext,
            v.RescanOf, v.RescannedAs, v.ScheduleId, v.Links, s.Verdict?.Score, s.Verdict?.Grade, s.Verdict?.ComplianceGrade, v.Gate));
    }

    internal static async Task<IResult> RunCommand(string id, string command, HttpContext http, ScanCommands commands)
    {
        if (!ScanCommands.TryParseCommand(command, out var c)) return Problems.NotFound($"no command '{command}'");
        var outcome = await commands.RunAsync(http.Actor(), id, c, http.RequestAborted);
        if (!outcome.Ok) return Problems.From(outcome.Error!);
        var (snapshot, settled) = outcome.Value!;
        if (c == ScanCommand.Rescan) return TypedResults.Accepted($"/api/v1/scans/{snapshot.Id}", ScanView.Of(snapshot));
        return settled ? TypedResults.Ok(ScanView.Of(snapshot)) : TypedResults.Accepted($"/api/v1/scans/{id}", ScanView.Of(snapshot));
    }

    private static async Task<IResult> StreamEvents(string id, HttpContext http, ScanQueries queries, ScanEventHub hub, IOptions<ApiOptions> options)
    {
        if (await http.VisibleScanAsync(id) is null) return Problems.ScanNotFound(id);
        long? lastEventId = long.TryParse(http.Request.Headers["Last-Event-ID"].FirstOrDefault(), out var l) && l >= 0 ? l : null;
        var heartbeat = TimeSpan.FromSeconds(Math.Clamp(options.Value.SseHeartbeatSeconds, 1, 15));
        return TypedResults.ServerSentEvents(RelayAsync(id, lastEventId, heartbeat, http.Caller(), queries, hub, http.RequestAborted));
    }

    /// <summary>A snapshot first (or the events missed since Last-Event-ID), then live events from this node's feed of
    /// the scan, heartbeats while nothing happens, and the end after the final event. A connection that falls too far
    /// behind is ended; its client resumes with Last-Event-ID.</summary>
    private static async IAsyncEnumerable<SseItem<string>> RelayAsync(string id, long? lastEventId, TimeSpan heartbeat, Caller caller,
        ScanQueries queries, ScanEventHub hub, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Watch before reading the snapshot, so nothing falls between the two.
        await using var watch = await hub.WatchAsync(id, cancellationToken);
        var snapshot = await queries.GetFreshAsync(caller, id);
        if (snapshot is null) yield break;
        long cursor;
        var missed = lastEventId is { } last && last <= snapshot.Sequence ? await queries.EventsSinceAsync(id, last) : null;
        if (missed is not null && (missed.Count == 0 ? snapshot.Sequence == lastEventId : missed[0].Sequence == lastEventId + 1))
        {
            cursor = lastEventId!.Value;
            foreach (var e in missed)
            {
                if (e.Type == "heartbeat") continue;
                yield return Item(e);
                cursor = e.Sequence;
            }
        }
        else
        {
            yield return new SseItem<string>(JsonSerializer.Serialize(ScanView.Of(snapshot), ApiSetup.EventJson), "snapshot") { EventId = snapshot.Sequence.ToString() };
            cursor = snapshot.Sequence;
        }
        if (snapshot.Status.IsTerminal() && cursor >= snapshot.Sequence)
        {
            if (missed is null || missed.All(e => e.Type != ScanEvent.FinishedType))
                yield return Item(new ScanEvent
                {
                    Sequence = snapshot.Sequence, Type = ScanEvent.FinishedType, At = snapshot.FinishedAt ?? DateTimeOffset.UtcNow,
                    Status = snapshot.Status, Counts = snapshot.Counts, GatePassed = snapshot.GatePassed, Message = string.Join("; ", snapshot.GateReasons),
                });
            yield break;
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            ScanEvent? next = null;
            var fellBehind = false;
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                wait.CancelAfter(heartbeat);
                try { next = await watch.Events.ReadAsync(wait.Token); }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { }
                catch (WatcherFellBehindException) { fellBehind = true; }
                catch (ChannelClosedException) { fellBehind = true; }
            }
            if (fellBehind) yield break; // the client reconnects with Last-Event-ID and catches up from the scan's buffer
            if (next is null)
            {
                yield return new SseItem<string>("{}", "heartbeat");
                continue;
            }
            if (next.Sequence <= cursor || next.Type == "heartbeat") continue;
            cursor = next.Sequence;
            yield return Item(next);
            if (next.Type == ScanEvent.FinishedType) yield break;
        }
    }

    private static SseItem<string> Item(ScanEvent e) =>
        new(JsonSerializer.Serialize(e, ApiSetup.EventJson), e.Type) { EventId = e.Sequence.ToString() };

}

using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Streams;
using ScanGate.Api.Auth;
using ScanGate.Contracts;
using ScanGate.Scanners;
using ScanGate.Scanners.Catalog;

namespace ScanGate.Api;

public static partial class ScanEndpoints
{
    /// <summary>How long a stop or cancel answer waits for the scan to settle before answering 202.</summary>
    private static readonly TimeSpan SettleWait = TimeSpan.FromSeconds(15);

    public static RouteGroupBuilder MapScanEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/scan-types", async (ScanCatalog catalog, IGrainFactory grains) => TypedResults.Ok(ScanTypes(catalog, await AvailabilityAsync(grains))))
            .RequireScope(Scopes.ScansRead).WithTags("scans");
        api.MapPost("/scans", CreateScan).RequireScope(Scopes.ScansTrigger).WithTags("scans");
        api.MapGet("/scans", ListScans).RequireScope(Scopes.ScansRead).WithTags("scans");
        api.MapGet("/scans/{id}", GetScan).RequireScope(Scopes.ScansRead).WithTags("scans");
        api.MapGet("/scans/{id}/results", GetResults).RequireScope(Scopes.ScansRead).WithTags("scans");
        api.MapGet("/scans/{id}/findings", FindingEndpoints.ListScanFindings).RequireScope(Scopes.FindingsRead).WithTags("findings");
        api.MapGet("/scans/{id}/events", StreamEvents).RequireScope(Scopes.ScansRead).WithTags("scans");
        api.MapPost("/scans/{id}/rescan", (string id, HttpContext http, IGrainFactory grains) => RunCommand(id, "rescan", http, grains))
            .RequireScope(Scopes.ScansTrigger).WithTags("scans");
        api.MapPost("/scans/{id}/{command:regex(^(pause|resume|stop|cancel)$)}", RunCommand).RequireScope(Scopes.ScansManage).WithTags("scans");
        return api;
    }

    private static IReadOnlyList<ScanTypeView> ScanTypes(ScanCatalog catalog, IReadOnlyDictionary<string, bool>? available) => catalog.ScanTypes
        .OrderBy(t => t.Name, StringComparer.Ordinal)
        .Select(t => new ScanTypeView(t.Name, t.Description, t.TargetKind.Word(), t.DefaultProfile,
            t.Profiles.Select(p => new ProfileView(p.Name, p.Description, p.Name == t.DefaultProfile)).ToList(),
            catalog.ScannersFor(t.Name).Select(s => new ScanTypeScannerView(s.Name, s.Description,
                s.Uses.Any(u => u.ScanType == t.Name && u.ByDefault), s is IInProcessScanner ? "in_process" : "container",
                available is null ? null : available.TryGetValue(s.Name, out var up) && up)).ToList(),
            available is null ? null : catalog.DefaultScannersFor(t.Name).Where(s => available.GetValueOrDefault(s.Name)).Select(s => s.Name).ToList()))
        .ToList();

    /// <summary>Which scanners a silo can run now, asked of a silo (this API never touches Docker itself); null when
    /// none answers in time.</summary>
    private static async Task<IReadOnlyDictionary<string, bool>?> AvailabilityAsync(IGrainFactory grains)
    {
        try { return await grains.GetGrain<IScannerAvailabilityGrain>(0).Get().WaitAsync(TimeSpan.FromSeconds(5)); }
        catch (Exception ex) when (ex is TimeoutException or OrleansException) { return null; }
    }

    private static async Task<IResult> CreateScan(HttpContext http, ScanCatalog catalog, IGrainFactory grains, IOptions<ApiOptions> apiOptions, TargetPolicy targets)
    {
        var (body, error) = await RequestBody.ReadObjectAsync(http.Request);
        if (error is not null) return error;
        var caller = http.Caller();
        ScanRequest request;
        bool failOnGiven;
        try
        {
            (request, failOnGiven) = await ScanRequestParser.ParseAllowedAsync(body, catalog, caller.OrgId, apiOptions.Value.AllowPrivateCallbacks,
                targets, http.RequestAborted);
        }
        catch (RequestValidationException ex) { return Problems.BadRequest(ex.Field, ex.Message); }

        var (result, _) = await StartAsync(http, grains, request, failOnGiven);
        if (!result.Ok) return result.Error == CommandError.NotFound ? Problems.BadRequest("project", result.Message!) : Problems.FromCommand(result);
        var id = result.Snapshot!.Id;
        return TypedResults.Accepted($"/api/v1/scans/{id}", new CreatedScanView(id, "queued", ScanView.LinksOf(id)));
    }

    /// <summary>Starts a validated scan for the caller, in its project (made from the target when the request names
    /// none), and audits it: the one way every API surface starts a scan. NotFound means the named project does not exist.</summary>
    public static async Task<(CommandResult Result, string ProjectKey)> StartAsync(HttpContext http, IGrainFactory grains, ScanRequest request, bool failOnGiven)
    {
        var caller = http.Caller();
        var targetKind = ((ScanCatalog)http.RequestServices.GetService(typeof(ScanCatalog))!).FindType(request.ScanType)?.TargetKind;
        var projectKey = request.ProjectKey ?? ProjectKeys.FromTarget(targetKind, request.Target);
        var project = grains.GetGrain<IProjectGrain>(IProjectGrain.KeyOf(caller.OrgId, projectKey));
        if (request.ProjectKey is null)
            await project.Ensure(new Project
            {
                OrgId = caller.OrgId, Key = projectKey, Name = projectKey, CreatedOnTheFly = true,
                RepositoryUrl = targetKind == TargetKind.GitRepository ? request.Target : null,
            });
        var result = await project.StartScan(request with { TriggeredBy = caller.MemberId }, failOnGiven);
        if (result.Error == CommandError.NotFound)
            return (CommandResult.Fail(CommandError.NotFound, $"no project '{projectKey}' in this organisation; create it first or leave project out to have one made from the target"), projectKey);
        if (result.Ok)
            await http.AuditAsync(grains, "scan.triggered", result.Snapshot!.Id, new Dictionary<string, string>
            {
                ["scan_type"] = request.ScanType, ["target"] = request.Target, ["project"] = projectKey,
            });
        return (result, projectKey);
    }

    internal static async Task<IResult> ListScans(HttpContext http, IGrainFactory grains, string? project, string? status, string? scan_type,
        string? branch, DateTimeOffset? since, string? cursor, int? limit)
    {
        if (limit is < 1 or > 200) return Problems.BadRequest("limit", "limit must be between 1 and 200");
        var statusFilter = StatusWords.ParseWord<ScanStatus>(status);
        if (status is not null && statusFilter is null)
            return Problems.BadRequest("status", $"status must be one of {StatusWords.Words<ScanStatus>()}");
        if (cursor is not null && !CursorText().IsMatch(cursor)) return Problems.BadRequest("cursor", "cursor is not one this API issued");
        try
        {
            var page = await grains.GetGrain<IScanDirectoryGrain>(0).List(new ScanListQuery
            {
                OrgId = http.Caller().OrgScope(), ProjectKey = project, Status = statusFilter, ScanType = scan_type, Branch = branch,
                Since = since, Cursor = cursor, Limit = limit ?? 50,
            });
            return TypedResults.Ok(new ScanListView(page.Items.Select(ScanListItemView.Of).ToList(), page.NextCursor));
        }
        catch (ArgumentException ex) when (ex.ParamName == "cursor")
        {
            return Problems.BadRequest("cursor", "cursor is not one this API issued");
        }
    }

    private static async Task<IResult> GetScan(string id, HttpContext http, IGrainFactory grains) =>
        await http.VisibleScanAsync(grains, id) is { } s ? TypedResults.Ok(ScanView.Of(s)) : Problems.ScanNotFound(id);

    private static async Task<IResult> GetResults(string id, HttpContext http, IGrainFactory grains)
    {
        if (await http.VisibleScanAsync(grains, id) is not { } s) return Problems.ScanNotFound(id);
        var v = ScanView.Of(s);
        return TypedResults.Ok(new ResultsView(v.Id, v.ScanType, v.Target, v.ScanProfile, v.Status, v.CreatedAt, v.StartedAt, v.FinishedAt,
            v.Scanners, v.Counts, v.GatePassed, v.FailOnSeverity, s.GateReasons, s.Counts.Total, v.Project, v.Branch, v.PipelineContext,
            v.RescanOf, v.RescannedAs, v.ScheduleId, v.Links, s.Verdict?.Score, s.Verdict?.Grade, s.Verdict?.ComplianceGrade, v.Gate));
    }

    internal static async Task<IResult> RunCommand(string id, string command, HttpContext http, IGrainFactory grains)
    {
        if (await http.VisibleScanAsync(grains, id) is null) return Problems.ScanNotFound(id);
        var scan = grains.GetGrain<IScanGrain>(id);
        var result = command switch
        {
            "pause" => await scan.Pause(),
            "resume" => await scan.Resume(),
            "stop" => await scan.Stop(),
            "cancel" => await scan.Cancel(),
            _ => await scan.Rescan(),
        };
        if (!result.Ok) return Problems.FromCommand(result);
        var past = command switch { "pause" => "paused", "resume" => "resumed", "stop" => "stopped", "cancel" => "cancelled", _ => "rescanned" };
        await http.AuditAsync(grains, "scan." + past, id,
            command == "rescan" ? new Dictionary<string, string> { ["new_scan"] = result.Snapshot!.Id } : null);
        if (command == "rescan")
            return TypedResults.Accepted($"/api/v1/scans/{result.Snapshot!.Id}", ScanView.Of(result.Snapshot));
        var snapshot = result.Snapshot!;
        if (command is "stop" or "cancel")
        {
            // Runs report their end shortly after their containers are killed; answer with the settled scan when we can.
            var deadline = DateTimeOffset.UtcNow + SettleWait;
            while (!snapshot.Status.IsTerminal() && DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(200);
                snapshot = await scan.Get() ?? snapshot;
            }
            if (!snapshot.Status.IsTerminal()) return TypedResults.Accepted($"/api/v1/scans/{id}", ScanView.Of(snapshot));
        }
        return TypedResults.Ok(ScanView.Of(snapshot));
    }

    private static async Task<IResult> StreamEvents(string id, HttpContext http, IClusterClient client, IOptions<ApiOptions> options)
    {
        if (await http.VisibleScanAsync(client, id) is null) return Problems.ScanNotFound(id);
        long? lastEventId = long.TryParse(http.Request.Headers["Last-Event-ID"].FirstOrDefault(), out var l) && l >= 0 ? l : null;
        var heartbeat = TimeSpan.FromSeconds(Math.Clamp(options.Value.SseHeartbeatSeconds, 1, 15));
        return TypedResults.ServerSentEvents(RelayAsync(id, lastEventId, heartbeat, client, http.RequestAborted));
    }

    /// <summary>A snapshot first (or the events missed since Last-Event-ID), then live events, heartbeats
    /// while nothing happens, and the end after the final event.</summary>
    private static async IAsyncEnumerable<SseItem<string>> RelayAsync(string id, long? lastEventId, TimeSpan heartbeat, IClusterClient client,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var live = Channel.CreateUnbounded<ScanEvent>(new UnboundedChannelOptions { SingleReader = true });
        var stream = client.GetStreamProvider(ScanStreams.Provider).GetStream<ScanEvent>(StreamId.Create(ScanStreams.Namespace, id));
        // Subscribe before reading the snapshot, so nothing falls between the two.
        var subscription = await stream.SubscribeAsync((e, _) => { live.Writer.TryWrite(e); return Task.CompletedTask; });
        try
        {
            var scan = client.GetGrain<IScanGrain>(id);
            var snapshot = (await scan.Get())!;
            long cursor;
            var missed = lastEventId is { } last && last <= snapshot.Sequence ? await scan.EventsSince(last) : null;
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
                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    wait.CancelAfter(heartbeat);
                    try { next = await live.Reader.ReadAsync(wait.Token); }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { }
                }
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
        finally
        {
            await subscription.UnsubscribeAsync();
        }
    }

    private static SseItem<string> Item(ScanEvent e) =>
        new(JsonSerializer.Serialize(e, ApiSetup.EventJson), e.Type) { EventId = e.Sequence.ToString() };

    [GeneratedRegex("^[A-Za-z0-9_-]{1,200}$")]
    internal static partial Regex CursorText();
}

using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Streams;
using ScanGate.Contracts;
using ScanGate.Scanners;
using ScanGate.Scanners.Catalog;

namespace ScanGate.Api;

public static partial class ScanEndpoints
{
    /// <summary>How long a stop or cancel answer waits for the scan to settle before answering 202.</summary>
    private static readonly TimeSpan SettleWait = TimeSpan.FromSeconds(15);

    public static readonly JsonSerializerOptions EventJson = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static IServiceCollection AddScanGateApi(this IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        services.Configure<ApiOptions>(configuration.GetSection(ApiOptions.Section));
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        });
        return services;
    }

    public static IEndpointRouteBuilder MapScanGateApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new { status = "ok" }));

        var api = app.MapGroup("/api/v1");
        api.MapGet("/scan-types", (ScanCatalog catalog) => TypedResults.Ok(ScanTypes(catalog)));
        api.MapPost("/scans", CreateScan);
        api.MapGet("/scans/{id}", GetScan);
        api.MapGet("/scans/{id}/results", GetResults);
        api.MapGet("/scans/{id}/findings", GetFindings);
        api.MapGet("/scans/{id}/events", StreamEvents);
        api.MapPost("/scans/{id}/{command}", RunCommand);
        return app;
    }

    private static IReadOnlyList<ScanTypeView> ScanTypes(ScanCatalog catalog) => catalog.ScanTypes
        .OrderBy(t => t.Name, StringComparer.Ordinal)
        .Select(t => new ScanTypeView(t.Name, t.Description, t.TargetKind.Word(), t.DefaultProfile,
            t.Profiles.Select(p => new ProfileView(p.Name, p.Description)).ToList(),
            catalog.ScannersFor(t.Name).Select(s => new ScanTypeScannerView(s.Name, s.Description,
                s.Uses.Any(u => u.ScanType == t.Name && u.ByDefault), s is IInProcessScanner ? "in_process" : "container")).ToList()))
        .ToList();

    private static async Task<IResult> CreateScan(HttpRequest request, ScanCatalog catalog, IGrainFactory grains)
    {
        JsonElement body;
        try
        {
            if (request.ContentType is not { } ct || !ct.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
                return Problems.BadRequest("body", "send the request as JSON with Content-Type: application/json");
            using var doc = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            body = doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            return Problems.BadRequest("body", $"the request body is not valid JSON: {ex.Message}");
        }
        ScanRequest scanRequest;
        try { scanRequest = ScanRequestParser.Parse(body, catalog, orgId: "default"); }
        catch (RequestValidationException ex) { return Problems.BadRequest(ex.Field, ex.Message); }

        var id = Ids.NewScanId();
        var result = await grains.GetGrain<IScanGrain>(id).Start(scanRequest);
        if (!result.Ok) return Problems.FromCommand(result);
        return TypedResults.Accepted($"/api/v1/scans/{id}", new CreatedScanView(id, "queued", ScanView.LinksOf(id)));
    }

    private static async Task<IResult> GetScan(string id, IGrainFactory grains) =>
        await Find(id, grains) is { } s ? TypedResults.Ok(ScanView.Of(s)) : Problems.ScanNotFound(id);

    private static async Task<IResult> GetResults(string id, IGrainFactory grains)
    {
        if (await Find(id, grains) is not { } s) return Problems.ScanNotFound(id);
        var v = ScanView.Of(s);
        return TypedResults.Ok(new ResultsView(v.Id, v.ScanType, v.Target, v.ScanProfile, v.Status, v.CreatedAt, v.StartedAt, v.FinishedAt,
            v.Scanners, v.Counts, v.GatePassed, v.FailOnSeverity, s.GateReasons, s.Counts.Total, v.Branch, v.PipelineContext,
            v.RescanOf, v.RescannedAs, v.Links));
    }

    private static async Task<IResult> GetFindings(string id, IGrainFactory grains, int? limit, string? cursor, string? min_severity, string? scanner)
    {
        if (limit is < 1 or > 500) return Problems.BadRequest("limit", "limit must be between 1 and 500");
        Severity? min = null;
        if (min_severity is not null)
        {
            if (!StatusWords.TryParseSeverity(min_severity, out var sev))
                return Problems.BadRequest("min_severity", "min_severity must be one of critical, high, medium, low, info");
            min = sev;
        }
        if (cursor is not null && (cursor.Length > 200 || !CursorText().IsMatch(cursor)))
            return Problems.BadRequest("cursor", "cursor is not one this API issued");
        if (await Find(id, grains) is null) return Problems.ScanNotFound(id);
        try
        {
            var page = await grains.GetGrain<IScanGrain>(id).Findings(new FindingQuery { Limit = limit ?? 50, Cursor = cursor, MinSeverity = min, Scanner = scanner });
            return TypedResults.Ok(new FindingPageView(page.Items.Select(FindingView.Of).ToList(), page.NextCursor, page.Total));
        }
        catch (ArgumentException ex) when (ex.ParamName == "cursor")
        {
            return Problems.BadRequest("cursor", "cursor is not one this API issued");
        }
    }

    private static async Task<IResult> RunCommand(string id, string command, IGrainFactory grains)
    {
        if (!IsScanId(id)) return Problems.ScanNotFound(id);
        var scan = grains.GetGrain<IScanGrain>(id);
        var result = command switch
        {
            "pause" => await scan.Pause(),
            "resume" => await scan.Resume(),
            "stop" => await scan.Stop(),
            "cancel" => await scan.Cancel(),
            "rescan" => await scan.Rescan(),
            _ => null,
        };
        if (result is null) return Problems.NotFound($"no command '{command}': use pause, resume, stop, cancel or rescan");
        if (!result.Ok) return Problems.FromCommand(result);
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

    private static async Task<IResult> StreamEvents(string id, HttpContext http, IClusterClient client, Microsoft.Extensions.Options.IOptions<ApiOptions> options)
    {
        if (await Find(id, client) is null) return Problems.ScanNotFound(id);
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
                yield return new SseItem<string>(JsonSerializer.Serialize(ScanView.Of(snapshot), EventJson), "snapshot") { EventId = snapshot.Sequence.ToString() };
                cursor = snapshot.Sequence;
            }
            if (snapshot.Status.IsTerminal() && (await scan.Get())!.Status.IsTerminal() && cursor >= snapshot.Sequence)
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
        new(JsonSerializer.Serialize(e, EventJson), e.Type) { EventId = e.Sequence.ToString() };

    private static async Task<ScanSnapshot?> Find(string id, IGrainFactory grains) =>
        IsScanId(id) ? await grains.GetGrain<IScanGrain>(id).Get() : null;

    private static bool IsScanId(string id) => id.StartsWith("scn_", StringComparison.Ordinal) && SortableId.IsValid(id[4..]);

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex CursorText();
}

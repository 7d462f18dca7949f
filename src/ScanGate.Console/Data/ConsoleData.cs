using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScanGate.Api;
using ScanGate.Application;
using ScanGate.Application.Live;
using ScanGate.Contracts;
using ScanGate.WebConsole.Auth;

namespace ScanGate.WebConsole.Data;

/// <summary>The session ended (signed out, expired, or its key was revoked) while a page was open.</summary>
public sealed class SessionEndedException() : Exception("the console session has ended; sign in again");

/// <summary>What the form of a new scan asks for.</summary>
public sealed record NewScanForm(string ScanType, string Target, string? Profile, IReadOnlyList<string>? Scanners, string? Project, string? Branch, string? FailOnSeverity);

/// <summary>The answer to a console action: done, or why not (and which field, for a form).</summary>
public sealed record ActionResult(bool Ok, string? Message = null, string? Field = null, ScanSnapshot? Snapshot = null)
{
    public static ActionResult Done(ScanSnapshot? s = null) => new(true, Snapshot: s);
    public static ActionResult Refused(AppError error) => new(false, error.Detail, error.Field);
}

/// <summary>
/// The console's one way to ScanGate, per circuit: the application layer's services, called as the session's caller.
/// Every call first resolves that caller again (its key may have been revoked since the page opened) and checks the
/// scope the matching REST endpoint requires, so the console can do exactly what the session's key can.
/// </summary>
public sealed class ConsoleData(
    ConsoleSessions sessions, AuthenticationStateProvider authentication, ScanQueries scans, ScanCommands commands,
    ArtifactQueries artifacts, FindingService findings, KeyService keys, ScanEventHub hub, IOptions<ApiOptions> apiOptions, ILogger<ConsoleData> logger)
{
    public async Task<Caller> CallerAsync()
    {
        var state = await authentication.GetAuthenticationStateAsync();
        var session = state.User.FindFirst(ConsoleSessions.SessionClaim)?.Value;
        return await sessions.ResolveAsync(session) ?? throw new SessionEndedException();
    }

    // ---- scans ----

    public async Task<Page<ScanSummary>> ListScansAsync(string? project, ScanStatus? status, string? scanType, string? branch, string? cursor, int limit = 25)
    {
        var actor = await ActorAsync(Scopes.ScansRead);
        var page = await scans.ListAsync(actor, new ScanListQuery
        {
            ProjectKey = Blank(project), Status = status, ScanType = Blank(scanType), Branch = Blank(branch), Cursor = Blank(cursor), Limit = limit,
        });
        // A cursor this console did not issue (edited by hand) shows the first page rather than an error.
        return page.Ok ? page.Value! : cursor is null ? new Page<ScanSummary>([], null) : await ListScansAsync(project, status, scanType, branch, null, limit);
    }

    /// <summary>The scan, when it exists and the caller's organisation owns it; null otherwise (the same for both).</summary>
    public async Task<ScanSnapshot?> ScanAsync(string id) => await scans.GetFreshAsync((await ActorAsync(Scopes.ScansRead)).Caller, id);

    /// <summary>The last log lines the scan still holds in memory (the full log is an artifact).</summary>
    public async Task<IReadOnlyList<string>> RecentLogAsync(string id, int lines)
    {
        if (await ScanAsync(id) is null) return [];
        return (await scans.EventsSinceAsync(id, 0)).Where(e => e.Type == ScanEvent.LogType && e.Lines is not null)
            .SelectMany(e => e.Lines!.Select(l => Prefix(e.Scanner, l))).TakeLast(lines).ToList();
    }

    public static string Prefix(string? scanner, string line) => scanner is null ? line : $"[{scanner}] {line}";

    public async Task<IReadOnlyList<ScanTypeView>> ScanTypesAsync()
    {
        await ActorAsync(Scopes.ScansRead);
        return ScanEndpoints.ScanTypes(await scans.ScanTypesAsync());
    }

    /// <summary>Validates the form as POST /api/v1/scans validates its body (the same parser), then starts the scan.</summary>
    public async Task<ActionResult> StartScanAsync(NewScanForm form, CancellationToken cancellationToken)
    {
        var actor = await ActorAsync(Scopes.ScansTrigger);
        var body = new JsonObject { ["scan_type"] = form.ScanType, ["target"] = form.Target };
        if (Blank(form.Profile) is { } profile) body["scan_profile"] = profile;
        if (form.Scanners is { Count: > 0 } chosen) body["scanners"] = new JsonArray(chosen.Select(s => (JsonNode)s!).ToArray());
        if (Blank(form.Project) is { } project) body["project"] = project;
        if (Blank(form.Branch) is { } branch) body["branch"] = branch;
        if (Blank(form.FailOnSeverity) is { } failOn) body["fail_on_severity"] = failOn;
        var started = await commands.SubmitAsync(actor, JsonSerializer.SerializeToElement(body), apiOptions.Value.AllowPrivateCallbacks, cancellationToken);
        return started.Ok ? ActionResult.Done(started.Value!.Scan) : ActionResult.Refused(started.Error!);
    }

    /// <summary>Pause, resume, stop, cancel or rescan; refused as the API refuses it.</summary>
    public async Task<ActionResult> CommandAsync(string id, ScanCommand command)
    {
        var actor = await ActorAsync(command == ScanCommand.Rescan ? Scopes.ScansTrigger : Scopes.ScansManage);
        var done = await commands.RunAsync(actor, id, command);
        return done.Ok ? ActionResult.Done(done.Value!.Scan) : ActionResult.Refused(done.Error!);
    }

    /// <summary>Live events of a scan the caller may see, handed to <paramref name="onEvent"/> one at a time, through this
    /// node's one subscription per scan; dispose to stop. Null when the scan is not visible.</summary>
    public async Task<IAsyncDisposable?> WatchScanAsync(string id, Func<ScanEvent, Task> onEvent)
    {
        if (await ScanAsync(id) is null) return null;
        var watch = await hub.WatchAsync(id);
        return new Watching(watch, PumpAsync(watch, onEvent));
    }

    private async Task PumpAsync(ScanWatch watch, Func<ScanEvent, Task> onEvent)
    {
        try
        {
            await foreach (var e in watch.Events.ReadAllAsync()) await onEvent(e);
        }
        catch (WatcherFellBehindException ex)
        {
            // Far behind (a stalled page): it has the scan's state from its last read; the next event it sees re-reads it.
            logger.LogDebug(ex, "a console page stopped watching scan {ScanId}", watch.ScanId);
        }
        catch (ChannelClosedException) { }
    }

    private sealed class Watching(ScanWatch watch, Task pump) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await watch.DisposeAsync();
            await pump.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    // ---- findings ----

    /// <summary>Findings across the caller's organisation, with the filters of GET /api/v1/findings.</summary>
    public async Task<FindingPage> FindingsAsync(FindingQuery query)
    {
        var actor = await ActorAsync(Scopes.FindingsRead);
        var page = await findings.ListAsync(actor, query);
        return page.Ok ? page.Value! : query.Cursor is null ? new FindingPage([], null, 0) : await FindingsAsync(query with { Cursor = null });
    }

    /// <summary>Sets the status (and note) of one finding or a selection, as POST /api/v1/findings/triage does.</summary>
    public async Task<ActionResult> TriageAsync(IReadOnlyList<string> ids, FindingStatus status, string? note)
    {
        var actor = await ActorAsync(Scopes.FindingsWrite);
        var done = await findings.SetStatusAsync(actor, ids, status, string.IsNullOrWhiteSpace(note) ? null : note.Trim(), bulk: ids.Count > 1);
        if (!done.Ok) return ActionResult.Refused(done.Error!);
        return done.Value!.NotFound.Count == 0 ? ActionResult.Done() : new ActionResult(false, $"{done.Value.NotFound.Count} finding(s) no longer exist");
    }

    // ---- API keys ----

    public async Task<IReadOnlyList<ApiKeyRecord>> KeysAsync()
    {
        var listed = await keys.ListAsync(await ActorAsync(Scopes.KeysManage));
        return listed.Ok ? listed.Value! : [];
    }

    /// <summary>Creates a key as POST /api/v1/apikeys does; its secret is in the answer, this once.</summary>
    public async Task<(ActionResult Result, string? Secret)> CreateKeyAsync(NewKey request)
    {
        var actor = await ActorAsync(Scopes.KeysManage);
        // The same rule as the API's body parser for the name; the service checks the rest.
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200)
            return (ActionResult.Refused(AppError.Invalid("name", "name is required, at most 200 characters")), null);
        var created = await keys.CreateAsync(actor, request);
        return created.Ok ? (ActionResult.Done(), created.Value!.Plaintext) : (ActionResult.Refused(created.Error!), null);
    }

    public async Task<ActionResult> RevokeKeyAsync(string keyId)
    {
        var revoked = await keys.RevokeAsync(await ActorAsync(Scopes.KeysManage), keyId);
        return revoked.Ok ? ActionResult.Done() : ActionResult.Refused(revoked.Error!);
    }

    // ---- findings and artifacts of a scan ----

    public async Task<FindingPage> ScanFindingsAsync(string id, int limit)
    {
        var actor = await ActorAsync(Scopes.FindingsRead);
        var page = await scans.FindingsAsync(actor.Caller, id, new FindingQuery { Limit = limit });
        return page.Ok ? page.Value! : new FindingPage([], null, 0);
    }

    public async Task<IReadOnlyList<ArtifactInfo>> ArtifactsAsync(string id)
    {
        var caller = await CallerAsync();
        if (!caller.Can(Scopes.FindingsRead)) return [];
        var list = await artifacts.ListAsync(caller, id);
        return list.Ok ? list.Value!.OrderBy(a => a.Type).ThenBy(a => a.Name, StringComparer.Ordinal).ToList() : [];
    }

    private async Task<Actor> ActorAsync(string scope)
    {
        var caller = await CallerAsync();
        if (!caller.Can(scope)) throw new UnauthorizedAccessException($"this session's key may not use {scope}");
        return new Actor(caller);
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}

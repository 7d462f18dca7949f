using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;
using ScanGate.Api;
using ScanGate.Contracts;
using ScanGate.Scanners.Catalog;
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
    public static ActionResult Refused(string message, string? field = null) => new(false, message, field);
}

/// <summary>
/// The console's one way to grains and stores, per circuit. Every call first resolves the session's caller again
/// (its key may have been revoked since the page opened), and applies that caller's organisation and scopes exactly
/// as the REST API does.
/// </summary>
public sealed class ConsoleData(
    IGrainFactory grains, ConsoleSessions sessions, AuthenticationStateProvider authentication, ScanCatalog catalog,
    ScanWatchers watchers, TargetPolicy targets, IOptions<ApiOptions> apiOptions)
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
        var caller = await RequireAsync(Scopes.ScansRead);
        if (cursor is { Length: > 200 }) cursor = null;
        try
        {
            return await grains.GetGrain<IScanDirectoryGrain>(0).List(new ScanListQuery
            {
                OrgId = caller.OrgScope(), ProjectKey = Blank(project), Status = status, ScanType = Blank(scanType), Branch = Blank(branch),
                Cursor = cursor, Limit = limit,
            });
        }
        catch (ArgumentException ex) when (ex.ParamName == "cursor")
        {
            return new Page<ScanSummary>([], null);
        }
    }

    /// <summary>The scan, when it exists and the caller's organisation owns it; null otherwise (the same for both).</summary>
    public async Task<ScanSnapshot?> ScanAsync(string id)
    {
        var caller = await RequireAsync(Scopes.ScansRead);
        if (!Tenancy.IsScanId(id)) return null;
        var scan = await grains.GetGrain<IScanGrain>(id).Get();
        return scan is not null && caller.SeesOrg(scan.Request.OrgId) ? scan : null;
    }

    /// <summary>The last log lines the scan still holds in memory (the full log is an artifact).</summary>
    public async Task<IReadOnlyList<string>> RecentLogAsync(string id, int lines)
    {
        if (await ScanAsync(id) is null) return [];
        var events = await grains.GetGrain<IScanGrain>(id).EventsSince(0);
        return events.Where(e => e.Type == ScanEvent.LogType && e.Lines is not null).SelectMany(e => e.Lines!.Select(l => Prefix(e.Scanner, l)))
            .TakeLast(lines).ToList();
    }

    public static string Prefix(string? scanner, string line) => scanner is null ? line : $"[{scanner}] {line}";

    public async Task<IReadOnlyList<ScanTypeView>> ScanTypesAsync()
    {
        await RequireAsync(Scopes.ScansRead);
        return await ScanEndpoints.ScanTypesAsync(catalog, grains);
    }

    /// <summary>Validates the form exactly as POST /api/v1/scans validates its body, then starts the scan.</summary>
    public async Task<ActionResult> StartScanAsync(NewScanForm form, CancellationToken cancellationToken)
    {
        var caller = await RequireAsync(Scopes.ScansTrigger);
        var body = new JsonObject { ["scan_type"] = form.ScanType, ["target"] = form.Target };
        if (Blank(form.Profile) is { } profile) body["scan_profile"] = profile;
        if (form.Scanners is { Count: > 0 } chosen) body["scanners"] = new JsonArray(chosen.Select(s => (JsonNode)s!).ToArray());
        if (Blank(form.Project) is { } project) body["project"] = project;
        if (Blank(form.Branch) is { } branch) body["branch"] = branch;
        if (Blank(form.FailOnSeverity) is { } failOn) body["fail_on_severity"] = failOn;
        ScanRequest request;
        bool failOnGiven;
        try
        {
            (request, failOnGiven) = await ScanRequestParser.ParseAllowedAsync(JsonSerializer.SerializeToElement(body), catalog, caller.OrgId,
                apiOptions.Value.AllowPrivateCallbacks, targets, cancellationToken);
        }
        catch (RequestValidationException ex) { return ActionResult.Refused(ex.Message, ex.Field); }
        var (result, _) = await ScanEndpoints.StartAsync(grains, catalog, caller, clientIp: null, request, failOnGiven);
        if (result.Ok) return ActionResult.Done(result.Snapshot);
        return ActionResult.Refused(result.Message ?? "the scan was refused", result.Error == CommandError.NotFound ? "project" : null);
    }

    /// <summary>pause, resume, stop, cancel or rescan; refused as the API refuses it.</summary>
    public async Task<ActionResult> CommandAsync(string id, string command)
    {
        var caller = await RequireAsync(command == "rescan" ? Scopes.ScansTrigger : Scopes.ScansManage);
        if (await ScanAsync(id) is null) return ActionResult.Refused($"no scan with id '{id}'");
        var scan = grains.GetGrain<IScanGrain>(id);
        var result = command switch
        {
            "pause" => await scan.Pause(),
            "resume" => await scan.Resume(),
            "stop" => await scan.Stop(),
            "cancel" => await scan.Cancel(),
            "rescan" => await scan.Rescan(),
            _ => CommandResult.Fail(CommandError.Invalid, $"unknown command '{command}'"),
        };
        if (!result.Ok) return ActionResult.Refused(result.Message ?? "refused");
        var past = command switch { "pause" => "paused", "resume" => "resumed", "stop" => "stopped", "cancel" => "cancelled", _ => "rescanned" };
        await Tenancy.AuditAsync(grains, caller, null, "scan." + past, id,
            command == "rescan" ? new Dictionary<string, string> { ["new_scan"] = result.Snapshot!.Id } : null);
        return ActionResult.Done(result.Snapshot);
    }

    /// <summary>Live events of a scan the caller may see; dispose to stop. Null when the scan is not visible.</summary>
    public async Task<IAsyncDisposable?> WatchScanAsync(string id, Func<ScanEvent, Task> onEvent)
    {
        if (await ScanAsync(id) is null) return null;
        return await watchers.WatchAsync(id, onEvent);
    }

    // ---- findings and artifacts of a scan ----

    public async Task<FindingPage> ScanFindingsAsync(string id, int limit)
    {
        await RequireAsync(Scopes.FindingsRead);
        if (await ScanAsync(id) is null) return new FindingPage([], null, 0);
        return await grains.GetGrain<IScanGrain>(id).Findings(new FindingQuery { Limit = limit });
    }

    public async Task<IReadOnlyList<ArtifactInfo>> ArtifactsAsync(string id)
    {
        var caller = await CallerAsync();
        if (!caller.Can(Scopes.FindingsRead) || await ScanAsync(id) is null) return [];
        return (await grains.GetGrain<IScanArtifactsGrain>(id).List()).OrderBy(a => a.Type).ThenBy(a => a.Name, StringComparer.Ordinal).ToList();
    }

    private async Task<Caller> RequireAsync(string scope)
    {
        var caller = await CallerAsync();
        if (!caller.Can(scope)) throw new UnauthorizedAccessException($"this session's key may not use {scope}");
        return caller;
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}

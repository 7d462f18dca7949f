using System.Text.Json;
using ScanGate.Contracts;
using ScanGate.Scanners.Catalog;

namespace ScanGate.Application;

/// <summary>A scan just started, and the project it was started in.</summary>
public sealed record StartedScan(ScanSnapshot Scan, string ProjectKey);

/// <summary>The commands a running scan takes.</summary>
public enum ScanCommand { Pause, Resume, Stop, Cancel, Rescan }

/// <summary>A command's answer: the scan as it stands, and whether it has settled (a stop or cancel waits briefly for
/// the runs to report their end).</summary>
public sealed record CommandedScan(ScanSnapshot Scan, bool Settled);

/// <summary>Starting scans and commanding them: the one way every surface does either.</summary>
public sealed class ScanCommands(IGrainFactory grains, ScanCatalog catalog, TargetPolicy targets, ScanQueries queries, AuditTrail audit)
{
    /// <summary>How long a stop or cancel waits for the scan to settle before answering with it under way.</summary>
    public static readonly TimeSpan SettleWait = TimeSpan.FromSeconds(15);

    /// <summary>Validates a scan in the native request shape (POST /api/v1/scans), checks its target against the
    /// deployment's policy, and starts it.</summary>
    public async Task<Outcome<StartedScan>> SubmitAsync(Actor actor, JsonElement body, bool allowPrivateCallbacks, CancellationToken cancellationToken)
    {
        ScanRequest request;
        bool failOnGiven;
        try
        {
            (request, failOnGiven) = await ScanRequestParser.ParseAllowedAsync(body, catalog, actor.Caller.OrgId, allowPrivateCallbacks, targets, cancellationToken);
        }
        catch (RequestValidationException ex) { return AppError.Of(ex); }
        return await StartAsync(actor, request, failOnGiven);
    }

    /// <summary>Starts a validated scan for the caller, in its project (made from the target when the request names
    /// none), and audits it. A named project that does not exist is the request's mistake (field "project").</summary>
    public async Task<Outcome<StartedScan>> StartAsync(Actor actor, ScanRequest request, bool failOnGiven)
    {
        var caller = actor.Caller;
        var targetKind = catalog.FindType(request.ScanType)?.TargetKind;
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
            return AppError.Invalid("project", $"no project '{projectKey}' in this organisation; create it first or leave project out to have one made from the target");
        if (!result.Ok) return AppError.Of(result);
        await audit.RecordAsync(actor, "scan.triggered", result.Snapshot!.Id, new Dictionary<string, string>
        {
            ["scan_type"] = request.ScanType, ["target"] = request.Target, ["project"] = projectKey,
        });
        return new StartedScan(result.Snapshot, projectKey);
    }

    /// <summary>
    /// Starts a new_only scan judged against its base commit even when that commit was never scanned: the project's
    /// completed scan of the base commit when it has one; otherwise a scan of the base (the same request on the
    /// project's default branch as of the base commit, judged plainly, without callback) is started first and the
    /// head scan's verdict waits for it. A
    /// request whose base is its own commit, or that is not new_only against a commit of a project, starts as it is.
    /// When the base scan cannot be started (e.g. the plan's quota), the head scan is still started, against what
    /// the project has (its verdict says when that is nothing).
    /// </summary>
    public async Task<Outcome<StartedScan>> StartAgainstBaseAsync(Actor actor, ScanRequest head, bool failOnGiven)
    {
        if (head.Gate is not { NewOnly: true, BaseCommit: { } baseCommit } || head.ProjectKey is not { } projectKey
            || string.Equals(baseCommit, head.Commit, StringComparison.OrdinalIgnoreCase))
            return await StartAsync(actor, head, failOnGiven);
        var project = grains.GetGrain<IProjectGrain>(IProjectGrain.KeyOf(actor.Caller.OrgId, projectKey));
        var baseline = await project.FindCommitBaseline(baseCommit);
        if (baseline is null)
        {
            // Repository scanners scan a branch's tip: the base is taken as the default branch's (where a feature
            // branch starts from), recorded as the scan of the base commit.
            var baseScan = head with
            {
                Branch = (await project.Get())?.DefaultBranch ?? head.Branch, Commit = baseCommit, Gate = head.Gate with { NewOnly = false, BaseCommit = null, BaseBranch = null, BaselineScanId = null },
                ExpectedUploads = 0, CallbackUrl = null,
            };
            var started = await StartAsync(actor, baseScan, failOnGiven);
            if (started.Ok) baseline = started.Value!.Scan.Id;
        }
        return await StartAsync(actor, baseline is null ? head : head with { Gate = head.Gate with { BaselineScanId = baseline } }, failOnGiven);
    }

    /// <summary>Pauses, resumes, stops, cancels or rescans a scan of the caller's organisation. A rescan answers with the
    /// new scan.</summary>
    public async Task<Outcome<CommandedScan>> RunAsync(Actor actor, string id, ScanCommand command, CancellationToken cancellationToken = default)
    {
        if (await queries.GetAsync(actor.Caller, id) is null) return ScanQueries.NotFound(id);
        var scan = grains.GetGrain<IScanGrain>(id);
        var result = command switch
        {
            ScanCommand.Pause => await scan.Pause(),
            ScanCommand.Resume => await scan.Resume(),
            ScanCommand.Stop => await scan.Stop(),
            ScanCommand.Cancel => await scan.Cancel(),
            _ => await scan.Rescan(),
        };
        if (!result.Ok) return AppError.Of(result);
        var past = command switch
        {
            ScanCommand.Pause => "paused", ScanCommand.Resume => "resumed", ScanCommand.Stop => "stopped", ScanCommand.Cancel => "cancelled", _ => "rescanned",
        };
        await audit.RecordAsync(actor, "scan." + past, id,
            command == ScanCommand.Rescan ? new Dictionary<string, string> { ["new_scan"] = result.Snapshot!.Id } : null);
        var snapshot = result.Snapshot!;
        if (command is ScanCommand.Stop or ScanCommand.Cancel)
        {
            // Runs report their end shortly after their containers are killed; answer with the settled scan when we can.
            var deadline = DateTimeOffset.UtcNow + SettleWait;
            while (!snapshot.Status.IsTerminal() && DateTimeOffset.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(200, CancellationToken.None);
                snapshot = await scan.Get() ?? snapshot;
            }
            return new CommandedScan(snapshot, snapshot.Status.IsTerminal());
        }
        return new CommandedScan(snapshot, true);
    }

    public static bool TryParseCommand(string word, out ScanCommand command) => Enum.TryParse(word, ignoreCase: true, out command) && Enum.IsDefined(command);
}

using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;
using ScanGate.Contracts;
using ScanGate.Runtime;
using ScanGate.Scanners;
using ScanGate.Scanners.Catalog;
using ScanGate.Storage;
using ScanGate.Storage.Reports;

namespace ScanGate.Grains;

[GenerateSerializer, Alias("scangate.scan-state.v1")]
public sealed class ScanState
{
    [Id(0)] public ScanRequest? Request { get; set; }
    [Id(1)] public ScanStatus Status { get; set; }
    [Id(2)] public DateTimeOffset CreatedAt { get; set; }
    [Id(3)] public DateTimeOffset? StartedAt { get; set; }
    [Id(4)] public DateTimeOffset? FinishedAt { get; set; }
    [Id(5)] public Dictionary<string, ScannerState> Runs { get; set; } = new(StringComparer.Ordinal);
    [Id(6)] public SeverityCounts Counts { get; set; } = new();
    [Id(7)] public bool? GatePassed { get; set; }
    [Id(8)] public List<string> GateReasons { get; set; } = [];
    [Id(9)] public string? RescanOf { get; set; }
    [Id(10)] public string? RescannedAs { get; set; }
    /// <summary>Stopped or Cancelled once a stop or cancel is under way; the scan ends in that status.</summary>
    [Id(11)] public ScanStatus? Ending { get; set; }
    [Id(12)] public long Sequence { get; set; }
    /// <summary>Written by versions that delivered callbacks from the scan grain; delivery is now <see cref="CallbackDeliveryGrain"/>'s.</summary>
    [Id(13)] public CallbackState? Callback { get; set; }
    [Id(14)] public GateVerdict? Verdict { get; set; }
    [Id(15)] public int Uploads { get; set; }
    [Id(16)] public List<UploadRecord> UploadRecords { get; set; } = [];
    /// <summary>The wait for expected uploads ran out before they all came.</summary>
    [Id(17)] public bool UploadsMissing { get; set; }
    /// <summary>When every scanner was done and the scan began to wait for its uploads.</summary>
    [Id(18)] public DateTimeOffset? WaitingForUploadsSince { get; set; }
    /// <summary>When the runs and uploads were over but the named baseline scan was not (see <see cref="GateSpec.BaselineScanId"/>).</summary>
    [Id(19)] public DateTimeOffset? WaitingForBaselineSince { get; set; }
}

/// <summary>Reports uploaded from scanners run elsewhere. Bound from "ScanGate:Uploads".</summary>
public sealed class UploadOptions
{
    public const string Section = "ScanGate:Uploads";
    /// <summary>How long a scan whose scanners are done waits for the uploads it was told to expect.</summary>
    public int WaitMinutes { get; set; } = 60;
}

[GenerateSerializer, Alias("scangate.callback-state.v1")]
public sealed class CallbackState
{
    [Id(0)] public int Attempts { get; set; }
    [Id(1)] public bool Delivered { get; set; }
    [Id(2)] public bool GaveUp { get; set; }
    [Id(3)] public string? LastError { get; set; }
    [Id(4)] public DateTimeOffset FirstAttemptAt { get; set; }
}

/// <summary>
/// Drives one scan. It never waits on a container: it starts its runs and they report back.
/// Every event it publishes carries the next sequence number, so SSE clients can resume.
/// </summary>
public sealed class ScanGrain(
    [PersistentState("scan", "state")] IPersistentState<ScanState> store,
    ScanCatalog catalog,
    IContainerRuntime runtime,
    IFindingStore findings,
    IArtifactStore artifacts,
    IScanIndex index,
    ScanSnapshotMirror mirror,
    Microsoft.Extensions.Options.IOptions<UploadOptions> uploadOptions,
    Microsoft.Extensions.Options.IOptions<ScannerRunOptions> runOptions,
    ILogger<ScanGrain> logger) : Grain, IScanGrain, IScanCallbacks, IRemindable, IIncomingGrainCallFilter
{
    /// <summary>A call that failed half-way (its state write refused, say, while the database restarts) leaves
    /// memory ahead of storage: this activation is dropped so the caller's retry starts from what was stored.</summary>
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            this.DeactivateOnIdle();
            throw;
        }
    }

    /// <summary>Brings a scan whose runs are all over back to its verdict when finishing failed or its silo died.</summary>
    private const string FinishReminder = "finish";
    private static readonly TimeSpan HeartbeatPeriod = TimeSpan.FromSeconds(10);
    private ScanEventLog _events = null!;
    private IGrainTimer? _keepAlive;
    private bool _finishing;
    private ScanLogSpool? _log;

    private ScanState S => store.State;
    private string ScanId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var stream = this.GetStreamProvider(ScanStreams.Provider).GetStream<ScanEvent>(StreamId.Create(ScanStreams.Namespace, ScanId));
        _events = new ScanEventLog(S, stream, logger, ScanId);
        // A reactivated scan must never reuse a sequence number published before its last write.
        if (S.Request is not null && !S.Status.IsTerminal()) _events.SkipPastUnsavedEvents();
        if (S.Request is not null && !S.Status.IsTerminal())
        {
            StartKeepAlive();
            // A scan picked up again (its silo was lost) logs from here on and says so.
            _log = new ScanLogSpool($"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} [scangate] the scan was picked up again (its activation was lost); earlier lines were not kept");
            if (S.WaitingForUploadsSince is not null) ArmUploadWait(); // the wait for uploads outlives the activation
            if (S.WaitingForBaselineSince is not null) ArmBaselineWait();
        }
        if (S.Request is not null) mirror.Publish(Snapshot());
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        mirror.Remove(ScanId);
        _log?.Dispose();
        return Task.CompletedTask;
    }

    public async Task<CommandResult> Start(ScanRequest request, string? rescanOf)
    {
        if (S.Request is not null) return CommandResult.Fail(CommandError.Conflict, $"scan {ScanId} already exists");
        var adapters = new List<IScannerAdapter>();
        foreach (var name in request.Scanners)
        {
            if (catalog.FindScanner(name) is not { } adapter)
                return CommandResult.Fail(CommandError.Invalid, $"scanner '{name}' is not in the catalogue");
            adapters.Add(adapter);
        }
        if (adapters.Count == 0 && request.ExpectedUploads == 0)
            return CommandResult.Fail(CommandError.Invalid, "a scan needs at least one scanner, or uploads to expect");
        if (adapters.Any(a => a is IContainerScanner) && !await runtime.IsAvailableAsync())
            return CommandResult.Fail(CommandError.Unavailable,
                $"no container engine is reachable, so {string.Join(", ", adapters.OfType<IContainerScanner>().Select(a => a.Name))} cannot run; in-process scan types (security_headers) still work");

        var skipped = request.ScannersNamed ? [] : await DefaultsWithoutImageAsync(adapters);
        if (adapters.Count > 0 && skipped.Count == adapters.Count && request.ExpectedUploads == 0)
            return CommandResult.Fail(CommandError.Unavailable,
                $"no scanner of {request.ScanType} can run here: it needs {string.Join(", ", skipped.Select(kv => $"{kv.Key} ({kv.Value})"))}");

        var charge = await GrainFactory.GetGrain<IOrganizationGrain>(request.OrgId).ChargeScan();
        if (!charge.Ok) return CommandResult.Fail(charge.Error, charge.Message!);

        S.Request = request;
        S.RescanOf = rescanOf;
        S.Status = ScanStatus.Queued;
        S.CreatedAt = DateTimeOffset.UtcNow;
        S.Runs = adapters.ToDictionary(a => a.Name, a => skipped.TryGetValue(a.Name, out var why)
            ? new ScannerState { Name = a.Name, Status = RunStatus.Skipped, Phase = RunPhase.Done, Error = why, FinishedAt = DateTimeOffset.UtcNow }
            : new ScannerState { Name = a.Name }, StringComparer.Ordinal);
        await store.WriteStateAsync();
        await PublishStatus();
        _log ??= new ScanLogSpool();
        StartKeepAlive();
        if (request.ProjectKey is { } project)
            await GrainFactory.GetGrain<IProjectGrain>(IProjectGrain.KeyOf(request.OrgId, project)).AddScan(ScanId);

        if (await Admission.Enqueue(ScanId, request.OrgId, charge.Value))
        {
            try { await StartRunsAsync(); }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                // The scan is recorded and admitted; admission tells it again until its runs start.
                logger.LogWarning(ex, "Scan {ScanId}: its runs could not be started yet; admission will try again", ScanId);
            }
        }
        return CommandResult.Success(Snapshot());
    }

    /// <summary>The default scanners this silo cannot run because its engine lacks their image, each with what it
    /// would need: they are shown as skipped, never run (a scan type's defaults are those the silo has).</summary>
    private async Task<Dictionary<string, string>> DefaultsWithoutImageAsync(IEnumerable<IScannerAdapter> adapters)
    {
        var available = await GrainFactory.GetGrain<IScannerAvailabilityGrain>(0).Get();
        return adapters.OfType<IContainerScanner>()
            .Where(a => available.TryGetValue(a.Name, out var up) && !up)
            .ToDictionary(a => a.Name, a => $"its image {runOptions.Value.ImageFor(a.Name, a.DefaultImage)} is not on this silo's container engine",
                StringComparer.Ordinal);
    }

    public async Task Admitted()
    {
        if (S.Request is null || S.Status != ScanStatus.Queued || S.Ending is not null) return;
        await StartRunsAsync();
    }

    private async Task StartRunsAsync()
    {
        foreach (var name in ActiveRuns())
            await RunGrain(name).Start(new RunSpec
            {
                ScanId = ScanId, Scanner = name, Target = S.Request!.InputFor(name).Target, Profile = S.Request.InputFor(name).Profile,
                Branch = S.Request.Branch, OrgId = S.Request.OrgId, ProjectKey = S.Request.ProjectKey,
            });
        S.Status = ScanStatus.Running;
        S.StartedAt = DateTimeOffset.UtcNow;
        await store.WriteStateAsync();
        await PublishStatus();
        if (ActiveRuns().Count == 0) await FinishWhenDoneAsync(); // a scan of uploaded results only waits for them now
    }

    private IAdmissionGrain Admission => GrainFactory.GetGrain<IAdmissionGrain>(0);

    public Task<ScanSnapshot?> Get() => Task.FromResult(S.Request is null ? null : Snapshot());

    public async Task<CommandResult> Pause()
    {
        if (Refuse("pause", ScanStatus.Running) is { } refused) return refused;
        foreach (var name in ActiveRuns()) await RunGrain(name).Pause();
        S.Status = ScanStatus.Paused;
        await store.WriteStateAsync();
        await PublishStatus();
        return CommandResult.Success(Snapshot());
    }

    public async Task<CommandResult> Resume()
    {
        if (Refuse("resume", ScanStatus.Paused) is { } refused) return refused;
        foreach (var name in ActiveRuns()) await RunGrain(name).Resume();
        S.Status = ScanStatus.Running;
        await store.WriteStateAsync();
        await PublishStatus();
        return CommandResult.Success(Snapshot());
    }

    public Task<CommandResult> Stop() => End(ScanStatus.Stopped, "stop");
    public Task<CommandResult> Cancel() => End(ScanStatus.Cancelled, "cancel");

    private async Task<CommandResult> End(ScanStatus ending, string verb)
    {
        if (Refuse(verb, ScanStatus.Queued, ScanStatus.Running, ScanStatus.Paused) is { } refused) return refused;
        S.Ending = ending;
        if (S.Status == ScanStatus.Queued)
        {
            // Never admitted: no run has started, so none has anything to kill or keep.
            await Admission.Release(ScanId);
            foreach (var name in ActiveRuns())
                S.Runs[name] = S.Runs[name] with { Status = ending == ScanStatus.Stopped ? RunStatus.Stopped : RunStatus.Cancelled, Phase = RunPhase.Done, FinishedAt = DateTimeOffset.UtcNow };
        }
        await store.WriteStateAsync();
        foreach (var name in ActiveRuns()) await RunGrain(name).Halt(keepFindings: ending == ScanStatus.Stopped);
        await PublishAsync(new ScanEvent { Sequence = 0, Type = ScanEvent.StatusType, At = DateTimeOffset.UtcNow, Status = S.Status, Message = $"{verb} requested" });
        await FinishWhenDoneAsync();
        return CommandResult.Success(Snapshot());
    }

    public async Task<CommandResult> Rescan()
    {
        if (S.Request is null) return CommandResult.Fail(CommandError.NotFound, $"scan {ScanId} does not exist");
        if (!S.Status.IsTerminal())
            return CommandResult.Fail(CommandError.Conflict, $"scan {ScanId} is {S.Status.Word()}; only a finished scan can be rescanned (stop or cancel it first)");
        var newId = Ids.NewScanId();
        var started = await GrainFactory.GetGrain<IScanGrain>(newId).Start(S.Request, rescanOf: ScanId);
        if (!started.Ok) return started;
        S.RescannedAs = newId;
        await store.WriteStateAsync();
        mirror.Publish(Snapshot());
        return started;
    }

    public Task<FindingPage> Findings(FindingQuery query) =>
        S.Request is null ? Task.FromResult(new FindingPage([], null, 0)) : findings.ListAsync(ScanId, query);

    public Task<IReadOnlyList<ScanEvent>> EventsSince(long afterSequence) => Task.FromResult(_events.Since(afterSequence));

    public async Task OnRunProgress(RunProgress progress)
    {
        if (S.Request is null || !S.Runs.TryGetValue(progress.Scanner, out var run) || run.Status.IsTerminal()) return;
        if (progress.Phase < run.Phase) progress = progress with { Phase = run.Phase, Percent = run.Percent }; // a late one-way message
        // A run's end (phase done, a terminal status) is only ever taken from OnRunFinished, which also carries its counts.
        if (progress.Phase == RunPhase.Done || progress.Status.IsTerminal())
            progress = progress with { Phase = run.Phase == RunPhase.Done ? RunPhase.Parsing : run.Phase, Status = run.Status, Percent = run.Percent };
        var changed = run.Phase != progress.Phase || run.Percent != progress.Percent || run.Status != progress.Status;
        var phaseChanged = run.Phase != progress.Phase;
        S.Runs[progress.Scanner] = run with
        {
            Phase = progress.Phase,
            Percent = progress.Percent ?? (progress.Phase == run.Phase ? run.Percent : null),
            Status = progress.Status,
            StartedAt = run.StartedAt ?? (progress.Phase >= RunPhase.Running ? DateTimeOffset.UtcNow : null),
        };
        if (changed)
            await PublishAsync(new ScanEvent
            {
                Sequence = 0, Type = ScanEvent.ProgressType, At = DateTimeOffset.UtcNow, Scanner = progress.Scanner,
                Phase = progress.Phase, Percent = S.Runs[progress.Scanner].Percent, RunStatus = progress.Status, Message = progress.Message,
            });
        if (progress.LogLines.Count > 0) _log?.Append(DateTimeOffset.UtcNow, progress.Scanner, progress.LogLines);
        if (progress.LogLines.Count > 0)
            await PublishAsync(new ScanEvent
            {
                Sequence = 0, Type = ScanEvent.LogType, At = DateTimeOffset.UtcNow, Scanner = progress.Scanner, Lines = progress.LogLines,
            });
        if (phaseChanged) await store.WriteStateAsync();
    }

    public async Task OnRunFinished(RunOutcome outcome)
    {
        if (S.Request is null || !S.Runs.TryGetValue(outcome.Scanner, out var run) || run.Status.IsTerminal()) return;
        S.Runs[outcome.Scanner] = run with
        {
            Status = outcome.Status, Phase = RunPhase.Done, Error = outcome.Error, Counts = outcome.Counts, Reruns = outcome.Reruns,
            Percent = outcome.Status == RunStatus.Completed ? 100 : run.Percent, FinishedAt = DateTimeOffset.UtcNow,
        };
        await store.WriteStateAsync();
        await PublishAsync(new ScanEvent
        {
            Sequence = 0, Type = ScanEvent.ProgressType, At = DateTimeOffset.UtcNow, Scanner = outcome.Scanner,
            Phase = RunPhase.Done, Percent = S.Runs[outcome.Scanner].Percent, RunStatus = outcome.Status, Message = outcome.Error,
        });
        if (outcome.Status != RunStatus.Cancelled)
            await PublishAsync(new ScanEvent
            {
                Sequence = 0, Type = ScanEvent.FindingsType, At = DateTimeOffset.UtcNow, Scanner = outcome.Scanner, Counts = outcome.Counts,
            });
        await FinishWhenDoneAsync();
    }

    /// <summary>The scan ends when every scanner is done and, unless it is being stopped or cancelled, every
    /// expected upload has come; until then it waits (for at most ScanGate:Uploads:WaitMinutes).</summary>
    private async Task FinishWhenDoneAsync()
    {
        if (ActiveRuns().Count > 0 || S.Status.IsTerminal()) return;
        var expected = S.Request!.ExpectedUploads;
        if (S.Ending is null && S.Uploads < expected && !S.UploadsMissing)
        {
            await BeginWaitAsync(S.WaitingForUploadsSince, at => S.WaitingForUploadsSince = at,
                $"scanners done; waiting for {expected - S.Uploads} of {expected} expected uploads");
            ArmUploadWait();
            return;
        }
        if (S.Ending is null && !await BaselineOverAsync())
        {
            await BeginWaitAsync(S.WaitingForBaselineSince, at => S.WaitingForBaselineSince = at,
                $"scanners done; waiting for the baseline scan {S.Request.Gate.BaselineScanId} of the base commit to end");
            ArmBaselineWait();
            return;
        }
        _baselineWait?.Dispose();
        _baselineWait = null;
        await FinishAsync();
    }

    /// <summary>A wait that outlives the activation: when it began is kept (once), and the scan's stream says why it waits.</summary>
    private async Task BeginWaitAsync(DateTimeOffset? since, Action<DateTimeOffset> began, string why)
    {
        if (since is not null) return;
        began(DateTimeOffset.UtcNow);
        await store.WriteStateAsync();
        await PublishAsync(new ScanEvent { Sequence = 0, Type = ScanEvent.ProgressType, At = DateTimeOffset.UtcNow, Message = why });
    }

    private IGrainTimer? _baselineWait;

    /// <summary>Whether the named baseline scan (if any) is over, gone, or waited for long enough.</summary>
    private async Task<bool> BaselineOverAsync()
    {
        if (S.Request!.Gate is not { NewOnly: true, BaselineScanId: { } baseline } || baseline == ScanId) return true;
        if (S.WaitingForBaselineSince is { } since && DateTimeOffset.UtcNow - since > TimeSpan.FromMinutes(uploadOptions.Value.WaitMinutes)) return true;
        return await GrainFactory.GetGrain<IScanGrain>(baseline).Get() is not { } scan || scan.Status.IsTerminal();
    }

    /// <summary>Looks at the baseline scan again every few seconds; it is another scan's grain, which does not call back.</summary>
    private void ArmBaselineWait()
    {
        if (_baselineWait is not null) return;
        _baselineWait = this.RegisterGrainTimer(async () =>
        {
            if (S.Status.IsTerminal()) { _baselineWait?.Dispose(); _baselineWait = null; return; }
            await FinishWhenDoneAsync();
        }, new GrainTimerCreationOptions { DueTime = TimeSpan.FromSeconds(2), Period = TimeSpan.FromSeconds(2) });
    }

    private IGrainTimer? _uploadWait;

    private void ArmUploadWait()
    {
        var due = S.WaitingForUploadsSince!.Value + TimeSpan.FromMinutes(uploadOptions.Value.WaitMinutes) - DateTimeOffset.UtcNow;
        _uploadWait?.Dispose();
        _uploadWait = this.RegisterGrainTimer(async () =>
        {
            if (S.Status.IsTerminal()) return;
            S.UploadsMissing = true;
            await FinishAsync();
        }, new GrainTimerCreationOptions { DueTime = due < TimeSpan.Zero ? TimeSpan.Zero : due, Period = Timeout.InfiniteTimeSpan });
    }

    public async Task<CommandResult> AddUploadedFindings(IReadOnlyList<Finding> batch)
    {
        if (UploadRefusal() is { } refusal) return refusal;
        await findings.AddAsync(ScanId, batch.Select(f => f with { ScanId = ScanId, OrgId = S.Request!.OrgId, ProjectKey = S.Request.ProjectKey }).ToList());
        return CommandResult.Success(Snapshot());
    }

    public async Task<CommandResult> UploadFinished(UploadRecord upload)
    {
        if (UploadRefusal() is { } refusal) return refusal;
        S.Uploads++;
        S.UploadRecords.Add(upload);
        await store.WriteStateAsync();
        await PublishAsync(new ScanEvent
        {
            Sequence = 0, Type = ScanEvent.ProgressType, At = DateTimeOffset.UtcNow, Scanner = upload.Tool,
            Message = $"uploaded {upload.Format} report from {upload.Tool}: {upload.Findings} findings ({S.Uploads} of {S.Request!.ExpectedUploads} expected)",
        });
        await FinishWhenDoneAsync();
        return CommandResult.Success(Snapshot());
    }

    private CommandResult? UploadRefusal() =>
        S.Request is null ? CommandResult.Fail(CommandError.NotFound, $"no scan {ScanId}")
        : S.Status.IsTerminal() || S.Ending is not null ? CommandResult.Fail(CommandError.Conflict, $"scan {ScanId} is {(S.Ending ?? S.Status).Word()}: it takes no more uploads")
        : null;

    /// <summary>
    /// Ends the scan: its log is kept, then a stateless worker reads its findings once, judges them and writes the
    /// reports, while this grain goes on answering status reads; the outcome is then taken in at once (status, counts
    /// and verdict together, so no reader sees a finished scan without its verdict). A finish that fails is tried again
    /// by the finish reminder, so a scan whose runs are over always reaches its verdict and gives its slot back.
    /// </summary>
    private async Task FinishAsync()
    {
        if (S.Status.IsTerminal() || _finishing) return;
        _finishing = true;
        try
        {
            await this.RegisterOrUpdateReminder(FinishReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            var runs = S.Runs.Values.ToList();
            // A scan of uploaded results only (or whose every default scanner was skipped) is complete when its uploads came.
            var status = S.Ending ?? (runs.Any(r => r.Status == RunStatus.Completed) || (runs.All(r => r.Status == RunStatus.Skipped) && S.Uploads > 0 && !S.UploadsMissing)
                ? ScanStatus.Completed : ScanStatus.Failed);
            var finishedAt = DateTimeOffset.UtcNow;
            await KeepLogAsync(status);
            var conclusion = await GrainFactory.GetGrain<IScanConclusionWorker>(0)
                .Conclude(Snapshot() with { Status = status, FinishedAt = finishedAt }, S.UploadsMissing);

            S.Status = status;
            S.Counts = conclusion.Counts;
            S.Verdict = conclusion.Verdict;
            S.GatePassed = conclusion.Verdict.Passed;
            S.GateReasons = conclusion.Verdict.Reasons.ToList();
            S.FinishedAt = finishedAt;
            await store.WriteStateAsync();
        }
        finally
        {
            _finishing = false;
        }
        await AfterFinishAsync();
    }

    /// <summary>What follows a verdict: the project's baseline, the final events, the admission slot, the callback. Each
    /// step may be repeated (the finish reminder repeats them all if this activation is lost half-way).</summary>
    private async Task AfterFinishAsync()
    {
        var request = S.Request!;
        if (S.Status == ScanStatus.Completed && request.ProjectKey is { } projectKey)
            await GrainFactory.GetGrain<IProjectGrain>(IProjectGrain.KeyOf(request.OrgId, projectKey)).RecordBaseline(ScanId, request.Branch, request.Commit);
        await PublishStatus();
        await PublishAsync(new ScanEvent
        {
            Sequence = 0, Type = ScanEvent.FinishedType, At = DateTimeOffset.UtcNow, Status = S.Status,
            Counts = S.Counts, GatePassed = S.GatePassed, Message = string.Join("; ", S.GateReasons),
        });
        await store.WriteStateAsync(); // keep the final sequence number
        await Admission.Release(ScanId);
        _keepAlive?.Dispose();
        _keepAlive = null;
        _uploadWait?.Dispose();
        _uploadWait = null;
        if (request.CallbackUrl is not null)
            await GrainFactory.GetGrain<ICallbackDeliveryGrain>(ScanId).Deliver(new CallbackRequest
            {
                ScanId = ScanId, OrgId = request.OrgId, Url = request.CallbackUrl,
                Body = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(CallbackBody(), CallbackJson),
            });
        if (await this.GetReminder(FinishReminder) is { } reminder) await this.UnregisterReminder(reminder);
        logger.LogInformation("Scan {ScanId} ended {Status}, gate {Gate}", ScanId, S.Status.Word(), S.GatePassed == true ? "passed" : "failed");
    }

    /// <summary>Stores the scan's log as its "scan.log" artifact. A scan that cannot keep its log still ends.</summary>
    private async Task KeepLogAsync(ScanStatus status)
    {
        if (_log is null) return;
        try
        {
            if (status == ScanStatus.Cancelled) await artifacts.DeleteScanAsync(ScanId); // cancel discards results; the log stays
            await using var content = _log.Read();
            await artifacts.PutAsync(ScanId, ArtifactDescriptor.ScanLog, content);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Scan {ScanId}: its log was not kept", ScanId);
        }
        _log.Dispose();
        _log = null;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != FinishReminder) return;
        if (S.Request is null) return;
        if (!S.Status.IsTerminal()) await FinishWhenDoneAsync();
        // Over, but the steps after the verdict may not all have happened before the activation was lost.
        else await AfterFinishAsync();
    }

    private static readonly System.Text.Json.JsonSerializerOptions CallbackJson = new()
    {
        PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower,
    };

    private object CallbackBody() => new
    {
        Event = "scan.finished",
        ScanId = ScanId,
        Status = S.Status.Word(),
        ScanType = S.Request!.ScanType,
        Target = S.Request.Target,
        Project = S.Request.ProjectKey,
        Branch = S.Request.Branch,
        GatePassed = S.GatePassed,
        FailOnSeverity = S.Request.FailOnSeverity?.Word() ?? "none",
        Counts = new { S.Counts.Critical, S.Counts.High, S.Counts.Medium, S.Counts.Low, S.Counts.Info },
        Reasons = S.GateReasons,
        FinishedAt = S.FinishedAt,
        PipelineContext = S.Request.PipelineContextJson is { } ctx ? System.Text.Json.JsonDocument.Parse(ctx).RootElement : (System.Text.Json.JsonElement?)null,
    };

    private CommandResult? Refuse(string verb, params ScanStatus[] allowed)
    {
        if (S.Request is null) return CommandResult.Fail(CommandError.NotFound, $"scan {ScanId} does not exist");
        if (S.Ending is { } ending && !S.Status.IsTerminal())
            return CommandResult.Fail(CommandError.Conflict, $"cannot {verb} scan {ScanId}: it is already being {(ending == ScanStatus.Stopped ? "stopped" : "cancelled")}");
        if (allowed.Contains(S.Status)) return null;
        var allowedWords = string.Join(" or ", allowed.Select(a => a.Word()));
        return CommandResult.Fail(CommandError.Conflict, $"cannot {verb} scan {ScanId}: it is {S.Status.Word()}, and only a {allowedWords} scan can be {PastTense(verb)}");
    }

    private static string PastTense(string verb) => verb switch
    {
        "stop" => "stopped", "pause" => "paused", "resume" => "resumed", "cancel" => "cancelled", _ => verb + "ed",
    };

    private List<string> ActiveRuns() => S.Runs.Values.Where(r => !r.Status.IsTerminal()).Select(r => r.Name).ToList();

    private IScannerRunGrain RunGrain(string scanner) => GrainFactory.GetGrain<IScannerRunGrain>(IScannerRunGrain.KeyOf(ScanId, scanner));

    private async Task PublishStatus()
    {
        await PublishAsync(new ScanEvent { Sequence = 0, Type = ScanEvent.StatusType, At = DateTimeOffset.UtcNow, Status = S.Status });
        await index.UpsertAsync(new ScanSummary
        {
            Id = ScanId, OrgId = S.Request!.OrgId, ProjectKey = S.Request.ProjectKey, ScanType = S.Request.ScanType, Target = S.Request.Target,
            Status = S.Status, Branch = S.Request.Branch, CreatedAt = S.CreatedAt, FinishedAt = S.FinishedAt, GatePassed = S.GatePassed, Counts = S.Counts,
        });
    }

    /// <summary>Publishes an event. The process's snapshot mirror (what status reads on this silo answer from) follows
    /// changes of status and progress, not every log line or heartbeat.</summary>
    private async Task PublishAsync(ScanEvent e)
    {
        if (e.Type is not (ScanEvent.LogType or "heartbeat")) mirror.Publish(Snapshot());
        await _events.PublishAsync(e);
    }

    private void StartKeepAlive()
    {
        // Keeps a running scan's activation (and its event buffer) alive and its stream warm.
        _keepAlive ??= this.RegisterGrainTimer(async () =>
        {
            if (S.Status.IsTerminal()) return;
            await _events.HeartbeatAsync(S.Status);
        }, new GrainTimerCreationOptions { DueTime = HeartbeatPeriod, Period = HeartbeatPeriod, KeepAlive = true, Interleave = false });
    }

    private ScanSnapshot Snapshot() => new()
    {
        Id = ScanId,
        Request = S.Request!,
        Status = S.Status,
        CreatedAt = S.CreatedAt,
        StartedAt = S.StartedAt,
        FinishedAt = S.FinishedAt,
        Scanners = S.Runs.Values.OrderBy(r => r.Name, StringComparer.Ordinal).ToList(),
        Counts = S.Status.IsTerminal() ? S.Counts : S.Runs.Values.Aggregate(new SeverityCounts(), (a, r) => a.Add(r.Counts)),
        GatePassed = S.GatePassed,
        GateReasons = S.GateReasons.ToList(),
        Verdict = S.Verdict,
        Uploads = S.Uploads,
        UploadRecords = S.UploadRecords.ToList(),
        RescanOf = S.RescanOf,
        RescannedAs = S.RescannedAs,
        Sequence = S.Sequence,
    };
}

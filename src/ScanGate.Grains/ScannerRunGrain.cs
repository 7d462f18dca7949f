using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using ScanGate.Contracts;
using ScanGate.Grains.Placement;
using ScanGate.Runtime;
using ScanGate.Scanners;
using ScanGate.Scanners.Catalog;
using ScanGate.Storage;

namespace ScanGate.Grains;

[GenerateSerializer, Alias("scangate.run-state.v1")]
public sealed class RunState
{
    [Id(0)] public RunSpec? Spec { get; set; }
    [Id(1)] public RunStatus Status { get; set; }
    [Id(2)] public RunPhase Phase { get; set; }
    [Id(3)] public int? Percent { get; set; }
    [Id(4)] public string? Error { get; set; }
    [Id(5)] public string? ContainerId { get; set; }
    [Id(6)] public string? EngineId { get; set; }
    [Id(7)] public DateTimeOffset? StartedAt { get; set; }
    [Id(8)] public DateTimeOffset? FinishedAt { get; set; }
    [Id(9)] public SeverityCounts Counts { get; set; } = new();
    /// <summary>The pause commands asked for, as of the supervisor's last write.</summary>
    [Id(10)] public bool PauseRequested { get; set; }
    /// <summary>The halt commands asked for, as of the supervisor's last write (stored before the kill).</summary>
    [Id(11)] public HaltKind Halt { get; set; }
    [Id(12)] public long? ExitCode { get; set; }
    [Id(13)] public bool Reported { get; set; }
    /// <summary>How many times the run was started again after its silo was lost.</summary>
    [Id(14)] public int Reruns { get; set; }
}

/// <summary>
/// One scanner's run: pull, create (hardened, labelled), start, follow logs, pause/unpause, kill, timeout,
/// parse, store findings, report to its scan. One writer: the supervisor (one background task on this
/// activation) is the only code that touches the container engine and the only writer of the run's state after
/// <see cref="Start"/> hands it over. Commands (pause, resume, stop, cancel) record their intent in
/// <see cref="RunCommands"/>, signal the supervisor and return; the supervisor applies the intent, stores it and
/// reports. The container steps themselves are <see cref="ContainerRun"/>'s. A watchdog reminder brings a run
/// whose silo was lost back on another silo, where it reattaches to its container or runs again.
/// </summary>
[ContainerSlotPlacement]
public sealed class ScannerRunGrain(
    [PersistentState("run", "state")] IPersistentState<RunState> store,
    ScanCatalog catalog,
    IContainerRuntime runtime,
    IFindingStore findings,
    IArtifactStore artifacts,
    IHttpClientFactory httpClients,
    IOptions<ScannerRunOptions> options,
    IOptions<Orleans.Configuration.ClusterOptions> cluster,
    ContainerSlots slots,
    ILocalSiloDetails silo,
    ILogger<ScannerRunGrain> logger) : Grain, IScannerRunGrain, IRemindable, IContainerRunSink
{
    private const string WatchdogReminder = "watchdog";
    private const int FindingBatchSize = 500;
    private const int MaxLogLinesPerReport = 200;

    private readonly Channel<string> _lines = Channel.CreateBounded<string>(new BoundedChannelOptions(10_000)
    { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private RunCommands _commands = new();
    private Task? _work;
    private IProgressParser? _parser;
    private int _droppedLogLines;

    private RunState S => store.State;

    /// <summary>The supervisor's writes: the commands' intent as it stands goes with every one. Retried with
    /// backoff for a few minutes, so a database restart delays a run instead of losing its end.</summary>
    private Task SaveAsync()
    {
        S.PauseRequested = _commands.Paused;
        S.Halt = _commands.Halt;
        return WithRetriesAsync("saving state", () => store.WriteStateAsync());
    }

    private async Task WithRetriesAsync(string what, Func<Task> work)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await work();
                return;
            }
            catch (Exception ex) when (attempt < 30 && ex is not Orleans.Storage.InconsistentStateException)
            {
                logger.LogWarning(ex, "Run {Run}: {What} failed (attempt {Attempt}); retrying", Key, what, attempt);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(10, attempt)));
            }
        }
    }
    private string Key => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _commands = new RunCommands(S.PauseRequested, S.Halt);
        // A run whose end was never reported lost its activation (its silo died, or it was deactivated
        // half-way): it picks up where it can. The watchdog reminder is what activates it when nobody calls.
        if (S.Spec is not null && !S.Reported && _work is null)
            _work = Background(RecoverAsync);
        return Task.CompletedTask;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != WatchdogReminder) return;
        if (S.Spec is null || S.Reported) await DisarmWatchdogAsync();
        else EnsureSupervisor();
    }

    /// <summary>Starts a supervisor when none runs (a run whose previous one stepped aside or died with it).</summary>
    private void EnsureSupervisor()
    {
        if (_work is null || _work.IsCompleted) _work = Background(RecoverAsync);
    }

    private Task ArmWatchdogAsync() =>
        this.RegisterOrUpdateReminder(WatchdogReminder, options.Value.WatchdogPeriod, options.Value.WatchdogPeriod);

    private async Task DisarmWatchdogAsync()
    {
        try
        {
            if (await this.GetReminder(WatchdogReminder) is { } reminder) await this.UnregisterReminder(reminder);
        }
        catch (Exception ex)
        {
            // Harmless: the next tick finds the run reported and tries again.
            logger.LogInformation(ex, "Run {Run}: the watchdog reminder was not removed yet", Key);
        }
    }

    public async Task Start(RunSpec spec)
    {
        if (S.Spec is not null) return; // idempotent: a run starts once
        S.Spec = spec;
        S.Status = RunStatus.Pending;
        S.Phase = RunPhase.Queued;
        // The supervisor makes the run durable (its first write) and only then does Start answer.
        var durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _work = Background(() => SuperviseNewRunAsync(durable));
        await durable.Task;
    }

    private async Task SuperviseNewRunAsync(TaskCompletionSource durable)
    {
        try
        {
            await store.WriteStateAsync();
        }
        catch (Exception ex)
        {
            store.State = new RunState(); // never stored: a later Start may try again
            durable.TrySetException(ex);
            return;
        }
        try
        {
            await ArmWatchdogAsync();
            durable.TrySetResult();
        }
        catch (Exception ex)
        {
            // The run is stored and goes on; the caller hears that its recovery is not armed yet.
            durable.TrySetException(ex);
        }
        await SuperviseAsync(RunFreshAsync);
    }

    public Task<ScannerState?> Get() => Task.FromResult(S.Spec is null ? null : ToScannerState());

    public Task<bool> OwnsContainer(string containerId) =>
        // While the engine creates the container its id is not known yet; the label already names this run.
        Task.FromResult(S.Spec is not null && !S.Status.IsTerminal() && _work is { IsCompleted: false }
            && (S.ContainerId == containerId || (S.ContainerId is null && S.Phase == RunPhase.Starting)));

    public Task Pause()
    {
        if (S.Spec is not null && !S.Status.IsTerminal()) _commands.Pause();
        return Task.CompletedTask;
    }

    public Task Resume()
    {
        if (S.Spec is not null && !S.Status.IsTerminal()) _commands.Resume();
        return Task.CompletedTask;
    }

    public Task Halt(bool keepFindings)
    {
        if (S.Spec is null || S.Status.IsTerminal()) return Task.CompletedTask;
        if (_commands.RequestHalt(keepFindings ? HaltKind.Stop : HaltKind.Cancel)) EnsureSupervisor();
        return Task.CompletedTask;
    }

    /// <summary>Runs work on this activation without holding a request turn.</summary>
    private Task Background(Func<Task> work) => Task.Factory.StartNew(work, CancellationToken.None,
        TaskCreationOptions.None, TaskScheduler.Current).Unwrap();

    private ContainerRun NewContainerRun(RunSpec spec) =>
        new(runtime, _commands, this, options.Value.TimeoutFor(spec.Scanner));

    /// <summary>Runs <paramref name="body"/> to the run's end: whatever happens, the container goes and the
    /// outcome is stored and reported.</summary>
    private async Task SuperviseAsync(Func<RunSpec, FindingContext, ContainerRun, Task> body)
    {
        var spec = S.Spec!;
        var context = new FindingContext(spec.ScanId, spec.Scanner);
        var container = NewContainerRun(spec);
        using var keepAlive = this.RegisterGrainTimer(() => Task.CompletedTask,
            new GrainTimerCreationOptions { DueTime = TimeSpan.FromMinutes(1), Period = TimeSpan.FromMinutes(1), KeepAlive = true });
        try
        {
            await body(spec, context, container);
        }
        catch (Orleans.Storage.InconsistentStateException ex)
        {
            // Someone else wrote this run's state: another activation (after a split view of the cluster) owns
            // the run and its container now. This one steps aside without touching either.
            logger.LogWarning(ex, "Run {Run}: another activation has taken the run over; this one steps aside", Key);
            DeactivateOnIdle();
            return;
        }
        catch (Exception ex) when (!S.Status.IsTerminal())
        {
            logger.LogWarning(ex, "Run {Run} failed", Key);
            S.Status = _commands.Halt switch { HaltKind.Cancel => RunStatus.Cancelled, HaltKind.Stop => RunStatus.Stopped, _ => RunStatus.Failed };
            S.Error ??= S.Status == RunStatus.Failed ? ex.Message : null;
        }
        try { await container.RemoveAsync(); }
        catch (Exception ex) { logger.LogWarning(ex, "Run {Run}: container {Container} not removed; the silo's reaper will retry", Key, container.ContainerId); }
        await CompleteAsync(context);
    }

    private Task RunFreshAsync(RunSpec spec, FindingContext context, ContainerRun container) => catalog.GetScanner(spec.Scanner) switch
    {
        IContainerScanner adapter => RunContainerAsync(adapter, spec, context, container),
        IInProcessScanner inProcess => RunInProcessAsync(inProcess, spec, context),
        _ => throw new InvalidOperationException($"scanner {spec.Scanner} can run neither in a container nor in process"),
    };

    /// <summary>A run whose activation was lost: report an end already reached, finish a halt, reattach to a
    /// container this silo's engine still has, or run again (a bounded number of times).</summary>
    private async Task RecoverAsync()
    {
        if (S.Reported) { await DisarmWatchdogAsync(); return; }
        if (S.Status.IsTerminal()) { await CompleteAsync(new FindingContext(S.Spec!.ScanId, S.Spec.Scanner)); return; }
        await SuperviseAsync(async (spec, context, container) =>
        {
            var reachable = await CanReachLeftContainerAsync(container);
            if (_commands.Halt != HaltKind.None)
            {
                await SaveAsync(); // the halt is stored before the kill
                await container.KillAsync();
                SetHalted();
                return;
            }
            if (catalog.GetScanner(spec.Scanner) is IContainerScanner adapter && reachable)
            {
                await ReattachAsync(adapter, spec, context, container);
                return;
            }
            // A container left on this engine that cannot be followed is ended; one on another engine is that
            // engine's reaper's to remove: this run no longer owns it.
            await container.KillAsync();
            S.Reruns++;
            if (S.Reruns > options.Value.MaxReruns)
            {
                S.Status = RunStatus.Failed;
                S.Error = $"the run's silo was lost and its container could not be reattached; gave up after {options.Value.MaxReruns} reruns";
                return;
            }
            logger.LogWarning("Run {Run} lost its silo and its container; running it again ({Rerun} of {Max})", Key, S.Reruns, options.Value.MaxReruns);
            await container.RemoveAsync();
            S.ContainerId = null; S.EngineId = null; S.ExitCode = null; S.StartedAt = null; S.Percent = null;
            await WithRetriesAsync("discarding the lost attempt's findings", () => findings.DeleteScannerAsync(spec.ScanId, spec.Scanner));
            _lines.Writer.TryWrite($"scangate: the run's silo was lost; running {spec.Scanner} again ({S.Reruns} of {options.Value.MaxReruns})");
            await SaveAsync();
            await RunFreshAsync(spec, context, container);
        });
    }

    private async Task<bool> CanReachLeftContainerAsync(ContainerRun container)
    {
        try
        {
            return await container.CanReachAsync(S.EngineId, S.ContainerId);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Run {Run}: the container engine did not answer while recovering", Key);
            return false;
        }
    }

    private async Task ReattachAsync(IContainerScanner adapter, RunSpec spec, FindingContext context, ContainerRun container)
    {
        var plan = adapter.Plan(spec);
        using var slot = await WaitForSlotAsync();
        logger.LogInformation("Run {Run} reattached to its container {Container} after its silo was lost", Key, S.ContainerId);
        _lines.Writer.TryWrite("scangate: the run's silo was lost; reattached to its container");
        _parser = adapter.NewProgressParser(spec);
        var end = await container.ReattachAsync(S.StartedAt, plan.ReportPath);
        await FinishContainerRunAsync(adapter, spec, plan, context, end);
    }

    /// <summary>Holds one of this silo's container slots; while none is free the run waits as queued.</summary>
    private async Task<IDisposable> WaitForSlotAsync()
    {
        if (slots.Available <= 0) ReportProgress("waiting for a free container slot on this silo", []);
        return await slots.AcquireAsync(_commands.HaltToken);
    }

    private async Task RunContainerAsync(IContainerScanner adapter, RunSpec spec, FindingContext context, ContainerRun container)
    {
        var plan = adapter.Plan(spec);
        var image = options.Value.ImageFor(spec.Scanner, adapter.DefaultImage);
        using var slot = await WaitForSlotAsync();
        _parser = adapter.NewProgressParser(spec);
        var end = await container.RunAsync(new ContainerSpec
        {
            Image = image,
            Arguments = plan.Arguments,
            Labels = new Dictionary<string, string>
            {
                [ContainerLabels.Scan] = spec.ScanId,
                [ContainerLabels.Scanner] = spec.Scanner,
                [ContainerLabels.Org] = spec.OrgId,
                [ContainerLabels.Run] = Key,
                [ContainerLabels.Cluster] = cluster.Value.ClusterId,
                [ContainerLabels.Silo] = silo.SiloAddress.ToParsableString(),
            },
            NetworkMode = options.Value.NetworkMode,
            OutputDirectory = Path.GetDirectoryName(plan.ReportPath) ?? "/out",
            TmpfsPaths = plan.ScratchPaths,
            VolumePaths = plan.WorkPaths,
            ReadOnlyRoot = plan.ReadOnlyRoot,
            CapAdd = plan.Capabilities,
            MemoryBytes = plan.MemoryBytes,
            Cpus = plan.Cpus,
            PidsLimit = plan.PidsLimit,
        }, plan.ReportPath);
        await FinishContainerRunAsync(adapter, spec, plan, context, end);
    }

    /// <summary>Turns how the container ended into the run's outcome; parses the report unless cancelled.</summary>
    private async Task FinishContainerRunAsync(IContainerScanner adapter, RunSpec spec, ContainerPlan plan, FindingContext context, ContainerRunEnd end)
    {
        await using var report = end.Report;
        S.ExitCode = end.ExitCode;
        if (end.ExitCode is not { } exitCode || _commands.Halt == HaltKind.Cancel) { SetHalted(); return; }

        if (report is not null)
        {
            // The tool's own report is kept as an artifact, then parsed from the same spooled copy.
            await using var tee = await ReportTee.SpoolAsync(report);
            try { await WithRetriesAsync("keeping the raw report", () => tee.StoreAsync(artifacts, spec.ScanId, ArtifactDescriptor.RawReport(spec.Scanner, plan.ReportPath))); }
            catch (Exception ex) { context.Warn($"the raw report was not kept: {ex.Message}"); }
            await StoreFindingsAsync(adapter.ParseReportAsync(tee.Rewound(), context, CancellationToken.None), context);
        }
        else context.Warn("the tool wrote no report");

        if (_commands.Halt != HaltKind.None) { SetHalted(); return; }
        if (end.TimedOutAfter is { } timeout)
        {
            S.Status = RunStatus.Failed;
            S.Error = $"timed out after {timeout.TotalSeconds:0} s of running time and was killed";
            return;
        }
        if (!plan.SuccessExitCodes.Contains(exitCode))
        {
            S.Status = RunStatus.Failed;
            S.Error = $"{spec.Scanner} exited with code {exitCode}" + (context.Warnings.Count > 0 ? $" ({context.Warnings[0]})" : "");
            return;
        }
        S.Status = RunStatus.Completed;
    }

    private async Task RunInProcessAsync(IInProcessScanner adapter, RunSpec spec, FindingContext context)
    {
        await EnterPhaseAsync(RunPhase.Running, null);
        S.StartedAt = DateTimeOffset.UtcNow;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_commands.HaltToken);
        timeout.CancelAfter(options.Value.TimeoutFor(spec.Scanner));
        var collected = new List<Finding>();
        try
        {
            await foreach (var f in adapter.ScanAsync(spec, context, httpClients.CreateClient("scanner"), timeout.Token))
                collected.Add(f);
        }
        catch (OperationCanceledException) when (!_commands.HaltToken.IsCancellationRequested)
        {
            S.Status = RunStatus.Failed;
            S.Error = $"timed out after {options.Value.TimeoutFor(spec.Scanner).TotalSeconds:0} s";
            return;
        }
        catch (OperationCanceledException) { SetHalted(); return; }
        catch (HttpRequestException ex)
        {
            S.Status = RunStatus.Failed;
            S.Error = $"could not fetch {spec.Target}: {ex.Message}";
            return;
        }
        if (_commands.Halt != HaltKind.None) { SetHalted(); return; }
        await EnterPhaseAsync(RunPhase.Parsing, null);
        await StoreFindingsAsync(collected.ToAsyncEnumerable(), context);
        S.Status = RunStatus.Completed;
    }

    private async Task StoreFindingsAsync(IAsyncEnumerable<Finding> source, FindingContext context)
    {
        var batch = new List<Finding>(FindingBatchSize);
        var spec = S.Spec!;
        await foreach (var f in source)
        {
            batch.Add(f with { OrgId = spec.OrgId, ProjectKey = spec.ProjectKey });
            if (batch.Count == FindingBatchSize)
            {
                var full = batch;
                await WithRetriesAsync("storing findings", () => findings.AddAsync(spec.ScanId, full));
                batch = new(FindingBatchSize);
            }
        }
        if (batch.Count > 0) await WithRetriesAsync("storing findings", () => findings.AddAsync(spec.ScanId, batch));
        foreach (var w in context.Warnings) _lines.Writer.TryWrite("scangate: " + w);
    }

    private void SetHalted() => S.Status = _commands.Halt == HaltKind.Cancel ? RunStatus.Cancelled : RunStatus.Stopped;

    private async Task CompleteAsync(FindingContext context)
    {
        var spec = S.Spec!;
        await ReportLinesAsync(); // the last log lines go out while the run still reads as under way
        if (S.Status == RunStatus.Cancelled) await WithRetriesAsync("discarding findings", () => findings.DeleteScannerAsync(spec.ScanId, spec.Scanner));
        var counts = new SeverityCounts();
        if (S.Status != RunStatus.Cancelled) await WithRetriesAsync("counting findings", async () => counts = await CountForScannerAsync(spec));
        S.Counts = counts;
        S.Phase = RunPhase.Done;
        S.FinishedAt = DateTimeOffset.UtcNow;
        if (S.Status == RunStatus.Completed) S.Percent = 100;
        await SaveAsync();
        await ReportFinishedAsync();
    }

    private async Task<SeverityCounts> CountForScannerAsync(RunSpec spec)
    {
        // Counted from the store, so duplicates merged there are counted once.
        var counts = new SeverityCounts();
        await foreach (var f in findings.AllAsync(spec.ScanId, new FindingQuery { Scanner = spec.Scanner })) counts = counts.Add(SeverityCounts.Of([f]));
        return counts;
    }

    private async Task ReportFinishedAsync()
    {
        var outcome = new RunOutcome { Scanner = S.Spec!.Scanner, Status = S.Status, Error = S.Error, Counts = S.Counts, ExitCode = (int?)S.ExitCode, Reruns = S.Reruns };
        var scan = GrainFactory.GetGrain<IScanCallbacks>(S.Spec.ScanId);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await scan.OnRunFinished(outcome);
                S.Reported = true;
                await SaveAsync();
                await DisarmWatchdogAsync();
                return;
            }
            catch (Exception ex) when (attempt < 30)
            {
                logger.LogWarning(ex, "Run {Run}: reporting the outcome failed (attempt {Attempt}); retrying", Key, attempt);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, attempt * 2)));
            }
        }
    }

    private async Task EnterPhaseAsync(RunPhase phase, string? message)
    {
        S.Phase = phase;
        S.Percent = null;
        S.Status = RunStatus.Running;
        if (phase == RunPhase.Running) S.StartedAt ??= DateTimeOffset.UtcNow;
        await SaveAsync();
        ReportProgress(message, []);
    }

    // What the container run tells its supervisor; all of it happens on the supervisor's flow.
    Task IContainerRunSink.PhaseAsync(RunPhase phase, string? message) => EnterPhaseAsync(phase, message);

    async Task IContainerRunSink.CreatedAsync(string engineId, string containerId)
    {
        S.EngineId = engineId;
        S.ContainerId = containerId;
        await SaveAsync();
    }

    async Task IContainerRunSink.PausedAsync(bool paused)
    {
        S.Status = paused ? RunStatus.Paused : RunStatus.Running;
        await SaveAsync();
        ReportProgress(paused ? "paused" : "resumed", []);
    }

    Task IContainerRunSink.HaltingAsync(HaltKind halt) => SaveAsync();

    void IContainerRunSink.Line(string line)
    {
        if (!_lines.Writer.TryWrite(line)) Interlocked.Increment(ref _droppedLogLines);
    }

    Task IContainerRunSink.TickAsync() => ReportLinesAsync();

    private Task ReportLinesAsync()
    {
        var lines = new List<string>();
        var percentBefore = S.Percent;
        string? step = null;
        while (lines.Count < MaxLogLinesPerReport && _lines.Reader.TryRead(out var line))
        {
            var clean = LogText.Clean(line);
            lines.Add(clean);
            if (_parser?.Parse(clean) is { } update)
            {
                if (update.Percent is { } p) S.Percent = Math.Max(S.Percent ?? 0, p);
                step = update.Step ?? step;
            }
        }
        var dropped = Interlocked.Exchange(ref _droppedLogLines, 0);
        if (dropped > 0) lines.Add($"scangate: {dropped} log lines dropped (the tool wrote faster than they could be relayed)");
        if (lines.Count > 0 || S.Percent != percentBefore) ReportProgress(step, lines);
        return Task.CompletedTask;
    }

    private void ReportProgress(string? message, IReadOnlyList<string> lines)
    {
        // One-way: a scan that is busy never holds up its runs.
        GrainFactory.GetGrain<IScanCallbacks>(S.Spec!.ScanId).OnRunProgress(new RunProgress
        {
            Scanner = S.Spec.Scanner, Status = S.Status, Phase = S.Phase, Percent = S.Percent, LogLines = lines, Message = message,
        }).Ignore();
    }

    private ScannerState ToScannerState() => new()
    {
        Name = S.Spec!.Scanner, Status = S.Status, Phase = S.Phase, Percent = S.Percent, Error = S.Error, Counts = S.Counts,
        StartedAt = S.StartedAt, FinishedAt = S.FinishedAt, Reruns = S.Reruns,
    };
}

/// <summary>Tool output as it is relayed: no terminal escapes, no overlong lines.</summary>
public static partial class LogText
{
    public const int MaxLineLength = 2000;

    public static string Clean(string line)
    {
        var text = AnsiEscape().Replace(line, "");
        return text.Length > MaxLineLength ? text[..MaxLineLength] + "…" : text;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\x1B\[[0-9;?]*[ -/]*[@-~]")]
    private static partial System.Text.RegularExpressions.Regex AnsiEscape();
}

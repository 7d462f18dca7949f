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

public enum HaltKind { None, Stop, Cancel }

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
    [Id(10)] public bool PauseRequested { get; set; }
    [Id(11)] public HaltKind Halt { get; set; }
    [Id(12)] public long? ExitCode { get; set; }
    [Id(13)] public bool Reported { get; set; }
    /// <summary>How many times the run was started again after its silo was lost.</summary>
    [Id(14)] public int Reruns { get; set; }
}

/// <summary>
/// One scanner's container: pull, create (hardened, labelled), start, follow logs, pause/unpause,
/// kill, timeout, parse, store findings, report to its scan. The long wait lives in one background
/// task on this activation; commands interleave with it at every await. A watchdog reminder brings a run
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
    ILogger<ScannerRunGrain> logger) : Grain, IScannerRunGrain, IRemindable
{
    private const string WatchdogReminder = "watchdog";
    private const int FindingBatchSize = 500;
    private const int MaxLogLinesPerReport = 200;
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(500);

    private readonly Channel<string> _lines = Channel.CreateBounded<string>(new BoundedChannelOptions(10_000)
    { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly CancellationTokenSource _halt = new();
    private Task? _work;
    private bool _containerPaused;
    private DateTimeOffset? _pausedSince;
    private TimeSpan _pausedTotal;
    private int _droppedLogLines;

    private RunState S => store.State;

    /// <summary>The run's writes from its background work: retried with backoff for a few minutes, so a
    /// database restart delays a run instead of losing its end.</summary>
    private Task SaveAsync() => WithRetriesAsync("saving state", () => store.WriteStateAsync());

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
        else if (_work is null || _work.IsCompleted) _work = Background(RecoverAsync);
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
        await store.WriteStateAsync();
        await ArmWatchdogAsync();
        _work = Background(() => SuperviseAsync(RunFreshAsync));
    }

    public Task<ScannerState?> Get() => Task.FromResult(S.Spec is null ? null : ToScannerState());

    public Task<bool> OwnsContainer(string containerId) =>
        // While the engine creates the container its id is not known yet; the label already names this run.
        Task.FromResult(S.Spec is not null && !S.Status.IsTerminal() && _work is { IsCompleted: false }
            && (S.ContainerId == containerId || (S.ContainerId is null && S.Phase == RunPhase.Starting)));

    public async Task Pause()
    {
        if (S.Spec is null || S.Status.IsTerminal() || S.PauseRequested) return;
        S.PauseRequested = true;
        await ApplyPauseAsync();
        await store.WriteStateAsync();
    }

    public async Task Resume()
    {
        if (S.Spec is null || S.Status.IsTerminal() || !S.PauseRequested) return;
        S.PauseRequested = false;
        await ApplyPauseAsync();
        await store.WriteStateAsync();
    }

    public async Task Halt(bool keepFindings)
    {
        if (S.Spec is null || S.Status.IsTerminal() || S.Halt != HaltKind.None) return;
        S.Halt = keepFindings ? HaltKind.Stop : HaltKind.Cancel;
        await store.WriteStateAsync();
        _halt.Cancel();
        if (S.ContainerId is { } id) await runtime.KillAsync(id);
        if (_work is null || _work.IsCompleted) _work = Background(FinishHaltedAsync);
    }

    /// <summary>Runs work on this activation without holding a request turn.</summary>
    private Task Background(Func<Task> work) => Task.Factory.StartNew(work, CancellationToken.None,
        TaskCreationOptions.None, TaskScheduler.Current).Unwrap();

    /// <summary>Runs <paramref name="body"/> to the run's end: whatever happens, the container goes and the
    /// outcome is stored and reported.</summary>
    private async Task SuperviseAsync(Func<RunSpec, FindingContext, Task> body)
    {
        var spec = S.Spec!;
        var context = new FindingContext(spec.ScanId, spec.Scanner);
        using var keepAlive = this.RegisterGrainTimer(() => Task.CompletedTask,
            new GrainTimerCreationOptions { DueTime = TimeSpan.FromMinutes(1), Period = TimeSpan.FromMinutes(1), KeepAlive = true });
        try
        {
            await body(spec, context);
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
            S.Status = S.Halt switch { HaltKind.Cancel => RunStatus.Cancelled, HaltKind.Stop => RunStatus.Stopped, _ => RunStatus.Failed };
            S.Error ??= S.Status == RunStatus.Failed ? ex.Message : null;
        }
        if (S.ContainerId is { } id)
        {
            try { await runtime.RemoveAsync(id); }
            catch (Exception ex) { logger.LogWarning(ex, "Run {Run}: container {Container} not removed; the silo's reaper will retry", Key, id); }
        }
        await CompleteAsync(context);
    }

    private Task RunFreshAsync(RunSpec spec, FindingContext context) => catalog.GetScanner(spec.Scanner) switch
    {
        IContainerScanner container => RunContainerAsync(container, spec, context),
        IInProcessScanner inProcess => RunInProcessAsync(inProcess, spec, context),
        _ => throw new InvalidOperationException($"scanner {spec.Scanner} can run neither in a container nor in process"),
    };

    /// <summary>A run whose activation was lost: report an end already reached, finish a halt, reattach to a
    /// container this silo's engine still has, or run again (a bounded number of times).</summary>
    private async Task RecoverAsync()
    {
        if (S.Reported) { await DisarmWatchdogAsync(); return; }
        if (S.Status.IsTerminal()) { await CompleteAsync(new FindingContext(S.Spec!.ScanId, S.Spec.Scanner)); return; }
        await SuperviseAsync(async (spec, context) =>
        {
            if (S.Halt != HaltKind.None) { await KillReachableContainerAsync(); SetHalted(); return; }
            if (catalog.GetScanner(spec.Scanner) is IContainerScanner container && await IsContainerReachableAsync())
            {
                await ReattachAsync(container, spec, context);
                return;
            }
            await KillReachableContainerAsync();
            S.Reruns++;
            if (S.Reruns > options.Value.MaxReruns)
            {
                S.Status = RunStatus.Failed;
                S.Error = $"the run's silo was lost and its container could not be reattached; gave up after {options.Value.MaxReruns} reruns";
                return;
            }
            logger.LogWarning("Run {Run} lost its silo and its container; running it again ({Rerun} of {Max})", Key, S.Reruns, options.Value.MaxReruns);
            S.ContainerId = null; S.EngineId = null; S.ExitCode = null; S.StartedAt = null; S.Percent = null;
            await WithRetriesAsync("discarding the lost attempt's findings", () => findings.DeleteScannerAsync(spec.ScanId, spec.Scanner));
            _lines.Writer.TryWrite($"scangate: the run's silo was lost; running {spec.Scanner} again ({S.Reruns} of {options.Value.MaxReruns})");
            await SaveAsync();
            await RunFreshAsync(spec, context);
        });
    }

    private async Task<bool> IsContainerReachableAsync()
    {
        if (S.ContainerId is not { } id || S.EngineId is null) return false;
        try
        {
            return S.EngineId == await runtime.GetEngineIdAsync() && await runtime.InspectAsync(id) is not null;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Run {Run}: the container engine did not answer while recovering", Key);
            return false;
        }
    }

    private async Task KillReachableContainerAsync()
    {
        // A container on another engine is that engine's reaper's to remove: its run no longer owns it.
        if (await IsContainerReachableAsync()) await runtime.KillAsync(S.ContainerId!);
        else S.ContainerId = null;
    }

    private async Task ReattachAsync(IContainerScanner adapter, RunSpec spec, FindingContext context)
    {
        var plan = adapter.Plan(spec);
        using var slot = await WaitForSlotAsync();
        var info = await runtime.InspectAsync(S.ContainerId!);
        _containerPaused = info?.Paused ?? false;
        if (_containerPaused) _pausedSince = DateTimeOffset.UtcNow;
        logger.LogInformation("Run {Run} reattached to its container {Container} after its silo was lost", Key, S.ContainerId);
        _lines.Writer.TryWrite("scangate: the run's silo was lost; reattached to its container");
        await FollowToEndAsync(adapter, spec, plan, context, S.ContainerId!, start: false);
    }

    /// <summary>Holds one of this silo's container slots; while none is free the run waits as queued.</summary>
    private async Task<IDisposable> WaitForSlotAsync()
    {
        if (slots.Available <= 0) ReportProgress("waiting for a free container slot on this silo", []);
        return await slots.AcquireAsync(_halt.Token);
    }

    private async Task RunContainerAsync(IContainerScanner adapter, RunSpec spec, FindingContext context)
    {
        var plan = adapter.Plan(spec);
        var image = options.Value.ImageFor(spec.Scanner, adapter.DefaultImage);
        using var slot = await WaitForSlotAsync();

        await EnterPhaseAsync(RunPhase.Pulling, RunStatus.Running, $"image {image}");
        await runtime.EnsureImageAsync(image, new Progress<string>(line => _lines.Writer.TryWrite("pull: " + line)), _halt.Token);
        if (S.Halt != HaltKind.None) { SetHalted(); return; }

        await EnterPhaseAsync(RunPhase.Starting, RunStatus.Running, null);
        S.EngineId = await runtime.GetEngineIdAsync();
        S.ContainerId = await runtime.CreateAsync(new ContainerSpec
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
        }, CancellationToken.None);
        await SaveAsync();
        if (S.Halt != HaltKind.None) { SetHalted(); return; }

        await FollowToEndAsync(adapter, spec, plan, context, S.ContainerId, start: true);
    }

    /// <summary>Starts (or, for a recovered run, only follows) the container; relays its output, enforces
    /// pause and timeout, waits for exit, then parses its report into findings.</summary>
    private async Task FollowToEndAsync(IContainerScanner adapter, RunSpec spec, ContainerPlan plan, FindingContext context, string containerId, bool start)
    {
        var parser = adapter.NewProgressParser(spec);
        using var follow = new CancellationTokenSource();
        Func<string, ValueTask> onLine = line => { if (!_lines.Writer.TryWrite(line)) Interlocked.Increment(ref _droppedLogLines); return ValueTask.CompletedTask; };
        var followTask = Task.Run(() => start
            ? runtime.StartAndFollowAsync(containerId, onLine, follow.Token)
            : runtime.FollowAsync(containerId, onLine, follow.Token));
        await EnterPhaseAsync(RunPhase.Running, RunStatus.Running, null);
        S.StartedAt ??= DateTimeOffset.UtcNow;
        var waitTask = Task.Run(async () =>
        {
            await followTask; // the container has been started once following began
            return await runtime.WaitAsync(containerId, CancellationToken.None);
        });

        var timeout = options.Value.TimeoutFor(spec.Scanner);
        var timedOut = false;
        while (!waitTask.IsCompleted)
        {
            await Task.WhenAny(waitTask, Task.Delay(Tick));
            await ApplyPauseAsync();
            await ReportLinesAsync(parser);
            if (!timedOut && S.Halt == HaltKind.None && RunningTime() > timeout)
            {
                timedOut = true;
                S.Error = $"timed out after {timeout.TotalSeconds:0} s of running time and was killed";
                await runtime.KillAsync(containerId);
            }
        }
        S.ExitCode = await waitTask;
        await ReportLinesAsync(parser);

        if (S.Halt == HaltKind.Cancel) { SetHalted(); return; }

        await EnterPhaseAsync(RunPhase.Parsing, RunStatus.Running, null);
        await using (var report = await runtime.ReadFileAsync(containerId, plan.ReportPath, CancellationToken.None))
        {
            if (report is not null)
            {
                // The tool's own report is kept as an artifact, then parsed from the same spooled copy.
                await using var tee = await ReportTee.SpoolAsync(report);
                try { await WithRetriesAsync("keeping the raw report", () => tee.StoreAsync(artifacts, spec.ScanId, ArtifactDescriptor.RawReport(spec.Scanner, plan.ReportPath))); }
                catch (Exception ex) { context.Warn($"the raw report was not kept: {ex.Message}"); }
                await StoreFindingsAsync(adapter.ParseReportAsync(tee.Rewound(), context, CancellationToken.None), context);
            }
            else context.Warn("the tool wrote no report");
        }

        if (S.Halt == HaltKind.Stop) { SetHalted(); return; }
        if (timedOut) { S.Status = RunStatus.Failed; return; }
        if (!plan.SuccessExitCodes.Contains(S.ExitCode.Value))
        {
            S.Status = RunStatus.Failed;
            S.Error = $"{spec.Scanner} exited with code {S.ExitCode}" + (context.Warnings.Count > 0 ? $" ({context.Warnings[0]})" : "");
            return;
        }
        S.Status = RunStatus.Completed;
    }

    private async Task RunInProcessAsync(IInProcessScanner adapter, RunSpec spec, FindingContext context)
    {
        await EnterPhaseAsync(RunPhase.Running, RunStatus.Running, null);
        S.StartedAt = DateTimeOffset.UtcNow;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_halt.Token);
        timeout.CancelAfter(options.Value.TimeoutFor(spec.Scanner));
        var collected = new List<Finding>();
        try
        {
            await foreach (var f in adapter.ScanAsync(spec, context, httpClients.CreateClient("scanner"), timeout.Token))
                collected.Add(f);
        }
        catch (OperationCanceledException) when (!_halt.IsCancellationRequested)
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
        if (S.Halt != HaltKind.None) { SetHalted(); return; }
        await EnterPhaseAsync(RunPhase.Parsing, RunStatus.Running, null);
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

    private void SetHalted() => S.Status = S.Halt == HaltKind.Cancel ? RunStatus.Cancelled : RunStatus.Stopped;

    private async Task CompleteAsync(FindingContext context)
    {
        var spec = S.Spec!;
        await ReportLinesAsync(null); // the last log lines go out while the run still reads as under way
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
        string? cursor = null;
        do
        {
            var page = await findings.ListAsync(spec.ScanId, new FindingQuery { Scanner = spec.Scanner, Limit = 1000, Cursor = cursor });
            counts = counts.Add(SeverityCounts.Of(page.Items));
            cursor = page.NextCursor;
        } while (cursor is not null);
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

    private async Task FinishHaltedAsync()
    {
        SetHalted();
        await CompleteAsync(new FindingContext(S.Spec!.ScanId, S.Spec.Scanner));
    }

    private async Task EnterPhaseAsync(RunPhase phase, RunStatus status, string? message)
    {
        S.Phase = phase;
        S.Percent = null;
        if (!S.PauseRequested || phase != RunPhase.Running) S.Status = status;
        await SaveAsync();
        ReportProgress(message, []);
    }

    private async Task ApplyPauseAsync()
    {
        if (S.ContainerId is not { } id || S.Phase != RunPhase.Running) return;
        if (S.PauseRequested && !_containerPaused)
        {
            var info = await runtime.InspectAsync(id);
            if (info is not { Running: true }) return;
            await runtime.PauseAsync(id);
            _containerPaused = true;
            _pausedSince = DateTimeOffset.UtcNow;
            S.Status = RunStatus.Paused;
            ReportProgress("paused", []);
        }
        else if (!S.PauseRequested && _containerPaused)
        {
            await runtime.UnpauseAsync(id);
            _containerPaused = false;
            _pausedTotal += DateTimeOffset.UtcNow - _pausedSince!.Value;
            _pausedSince = null;
            S.Status = RunStatus.Running;
            ReportProgress("resumed", []);
        }
    }

    private TimeSpan RunningTime()
    {
        if (S.StartedAt is null) return TimeSpan.Zero;
        var paused = _pausedTotal + (_pausedSince is { } since ? DateTimeOffset.UtcNow - since : TimeSpan.Zero);
        return DateTimeOffset.UtcNow - S.StartedAt.Value - paused;
    }

    private Task ReportLinesAsync(IProgressParser? parser)
    {
        var lines = new List<string>();
        var percentBefore = S.Percent;
        string? step = null;
        while (lines.Count < MaxLogLinesPerReport && _lines.Reader.TryRead(out var line))
        {
            var clean = LogText.Clean(line);
            lines.Add(clean);
            if (parser?.Parse(clean) is { } update)
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

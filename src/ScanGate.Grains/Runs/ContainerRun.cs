using ScanGate.Contracts;
using ScanGate.Runtime;

namespace ScanGate.Grains;

/// <summary>Where a container run tells its supervisor what happened, in order: the supervisor stores and
/// reports it. Called from the run's one flow, never concurrently (except <see cref="Line"/>, which may come
/// from the engine's log reader at any time).</summary>
public interface IContainerRunSink
{
    /// <summary>The run entered a phase (pulling, starting, running, parsing).</summary>
    Task PhaseAsync(RunPhase phase, string? message);
    /// <summary>The container exists: its id and engine must be stored before it is started, so a run whose silo
    /// is lost can find it again.</summary>
    Task CreatedAsync(string engineId, string containerId);
    /// <summary>The container was frozen (true) or thawed (false) on the engine.</summary>
    Task PausedAsync(bool paused);
    /// <summary>A halt is about to kill the container: store it first, so a run recovered elsewhere finishes the halt.</summary>
    Task HaltingAsync(HaltKind halt);
    /// <summary>One line of the tool's output (or of the image pull).</summary>
    void Line(string line);
    /// <summary>A beat of the follow loop: relay the lines and progress gathered since the last one.</summary>
    Task TickAsync();
}

/// <summary>How a container run ended. <see cref="Report"/> belongs to the caller (dispose it).</summary>
public sealed record ContainerRunEnd
{
    /// <summary>Null when the container never ran (halted before it started).</summary>
    public long? ExitCode { get; init; }
    /// <summary>Set when the run was killed for running longer than its timeout (paused time not counted).</summary>
    public TimeSpan? TimedOutAfter { get; init; }
    /// <summary>The tool's report as it was left in the container; null when absent or not read (a cancelled run).</summary>
    public Stream? Report { get; init; }
}

/// <summary>
/// The container steps of one scanner run, with no Orleans in them: pull, create, start and follow the output,
/// wait, enforce the timeout, apply the pause/resume/halt that <see cref="RunCommands"/> asks for, read the
/// report, remove. Everything happens in one flow, so each engine operation is sent once, in order: the
/// container is created, started, killed and removed at most once, and pauses and thaws alternate.
/// </summary>
public sealed class ContainerRun(
    IContainerRuntime runtime, RunCommands commands, IContainerRunSink sink, TimeSpan timeout, TimeProvider? clock = null, TimeSpan? tick = null)
{
    private static readonly TimeSpan DefaultTick = TimeSpan.FromMilliseconds(500);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly TimeSpan _tick = tick ?? DefaultTick;
    private bool _paused;
    private bool _killed;
    private bool _removed;
    private bool _haltStored;
    private DateTimeOffset? _startedAt;
    private DateTimeOffset? _pausedSince;
    private TimeSpan _pausedTotal;

    public string? ContainerId { get; private set; }

    /// <summary>Pulls (when missing), creates, starts and follows the container to its end. A run that follows
    /// a lost attempt's container (killed and removed) starts over with a container of its own.</summary>
    public async Task<ContainerRunEnd> RunAsync(ContainerSpec spec, string reportPath)
    {
        ForgetContainer();
        await sink.PhaseAsync(RunPhase.Pulling, $"image {spec.Image}");
        try
        {
            await runtime.EnsureImageAsync(spec.Image, new Progress<string>(line => sink.Line("pull: " + line)), commands.HaltToken);
        }
        catch (OperationCanceledException) when (commands.Halt != HaltKind.None) { return new ContainerRunEnd(); }
        if (commands.Halt != HaltKind.None) return new ContainerRunEnd();

        await sink.PhaseAsync(RunPhase.Starting, null);
        var engineId = await runtime.GetEngineIdAsync();
        ContainerId = await runtime.CreateAsync(spec, CancellationToken.None);
        await sink.CreatedAsync(engineId, ContainerId);
        if (commands.Halt != HaltKind.None) return new ContainerRunEnd(); // created, never started: removal is enough

        return await FollowToEndAsync(ContainerId, start: true, reportPath);
    }

    /// <summary>Whether the container a lost run left behind is on this engine and still there.</summary>
    public async Task<bool> CanReachAsync(string? engineId, string? containerId)
    {
        if (containerId is null || engineId is null) return false;
        if (engineId != await runtime.GetEngineIdAsync() || await runtime.InspectAsync(containerId) is null) return false;
        ContainerId = containerId;
        return true;
    }

    /// <summary>Follows a container a lost run started (found with <see cref="CanReachAsync"/>) to its end.</summary>
    public async Task<ContainerRunEnd> ReattachAsync(DateTimeOffset? startedAt, string reportPath)
    {
        var id = ContainerId ?? throw new InvalidOperationException("no container to reattach to");
        var info = await runtime.InspectAsync(id);
        _startedAt = startedAt;
        if (info?.Paused == true) { _paused = true; _pausedSince = _clock.GetUtcNow(); }
        return await FollowToEndAsync(id, start: false, reportPath);
    }

    /// <summary>Kills the container (once) without following it: how a halted run recovered elsewhere ends.</summary>
    public async Task KillAsync()
    {
        if (ContainerId is not { } id || _killed) return;
        _killed = true;
        await runtime.KillAsync(id);
    }

    /// <summary>Removes the container and its volumes (once).</summary>
    public async Task RemoveAsync()
    {
        if (ContainerId is not { } id || _removed) return;
        _removed = true;
        await runtime.RemoveAsync(id);
    }

    private void ForgetContainer()
    {
        ContainerId = null;
        _paused = _killed = _removed = _haltStored = false;
        _startedAt = _pausedSince = null;
        _pausedTotal = TimeSpan.Zero;
    }

    private async Task<ContainerRunEnd> FollowToEndAsync(string id, bool start, string reportPath)
    {
        Func<string, ValueTask> onLine = line => { sink.Line(line); return ValueTask.CompletedTask; };
        // Log reads and the wait block on the engine's sockets: they run off the caller's scheduler.
        var followTask = Task.Run(() => start
            ? runtime.StartAndFollowAsync(id, onLine, CancellationToken.None)
            : runtime.FollowAsync(id, onLine, CancellationToken.None));
        await sink.PhaseAsync(RunPhase.Running, null);
        if (_paused) await sink.PausedAsync(true); // a reattached run whose container was left frozen
        _startedAt ??= _clock.GetUtcNow();
        var waitTask = Task.Run(async () =>
        {
            await followTask; // the container has been started once following began
            return await runtime.WaitAsync(id, CancellationToken.None);
        });

        TimeSpan? timedOut = null;
        while (!waitTask.IsCompleted)
        {
            var seen = commands.Version;
            await ApplyCommandsAsync(id);
            await sink.TickAsync();
            if (timedOut is null && !_killed && RunningTime() > timeout && await TryKillStartedAsync(id)) timedOut = timeout;
            if (waitTask.IsCompleted) break;
            await Task.WhenAny(waitTask, commands.ChangedAfter(seen), Task.Delay(_tick, _clock));
        }
        var exitCode = await waitTask;
        if (_paused) { _paused = false; _pausedSince = null; } // an exited container is not frozen
        await sink.TickAsync();

        if (commands.Halt == HaltKind.Cancel) return new ContainerRunEnd { ExitCode = exitCode, TimedOutAfter = timedOut };
        await sink.PhaseAsync(RunPhase.Parsing, null);
        var report = await runtime.ReadFileAsync(id, reportPath, CancellationToken.None);
        return new ContainerRunEnd { ExitCode = exitCode, TimedOutAfter = timedOut, Report = report };
    }

    /// <summary>Brings the container to what the commands ask: killed when halted, else frozen or thawed.</summary>
    private async Task ApplyCommandsAsync(string id)
    {
        if (_killed) return;
        if (commands.Halt is var halt and not HaltKind.None)
        {
            if (!_haltStored) { await sink.HaltingAsync(halt); _haltStored = true; }
            if (_paused) await ThawAsync(id, report: false); // a frozen process cannot take SIGKILL
            await TryKillStartedAsync(id);
            return;
        }
        if (commands.Paused && !_paused)
        {
            // A container that has already exited is not frozen (the engine would refuse it).
            if (await runtime.InspectAsync(id) is not { Running: true }) return;
            if (!commands.Paused || commands.Halt != HaltKind.None) return; // changed while the engine answered
            await runtime.PauseAsync(id);
            _paused = true;
            _pausedSince = _clock.GetUtcNow();
            await sink.PausedAsync(true);
        }
        else if (!commands.Paused && _paused) await ThawAsync(id, report: true);
    }

    /// <summary>Kills the container once its start has reached the engine. A kill sent while the start is still
    /// on its way finds a container that is not running, counts as done, and the start then runs the container
    /// to its end: so a container still "created" is left for the next beat.</summary>
    private async Task<bool> TryKillStartedAsync(string id)
    {
        if (await runtime.InspectAsync(id) is { State: "created" }) return false;
        await KillAsync();
        return true;
    }

    private async Task ThawAsync(string id, bool report)
    {
        await runtime.UnpauseAsync(id);
        _paused = false;
        _pausedTotal += _clock.GetUtcNow() - _pausedSince!.Value;
        _pausedSince = null;
        if (report) await sink.PausedAsync(false);
    }

    /// <summary>Time the container has spent running since it started, paused time not counted.</summary>
    public TimeSpan RunningTime()
    {
        if (_startedAt is null) return TimeSpan.Zero;
        var now = _clock.GetUtcNow();
        var paused = _pausedTotal + (_pausedSince is { } since ? now - since : TimeSpan.Zero);
        return now - _startedAt.Value - paused;
    }
}

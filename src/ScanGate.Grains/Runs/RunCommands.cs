namespace ScanGate.Grains;

public enum HaltKind { None, Stop, Cancel }

/// <summary>
/// What commands have asked of one run: paused or not, halted (stop or cancel) or not. Commands only record
/// their intent here and signal; the run's supervisor is the one that reads it, applies it to the container and
/// stores it. A command that would change nothing (pause when paused, anything after a halt but a second halt's
/// refusal) reports so and changes nothing.
/// </summary>
public sealed class RunCommands
{
    private readonly object _lock = new();
    private readonly CancellationTokenSource _halted = new();
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _version;

    public RunCommands(bool paused = false, HaltKind halt = HaltKind.None)
    {
        Paused = paused && halt == HaltKind.None;
        Halt = halt;
        if (halt != HaltKind.None) _halted.Cancel();
    }

    public bool Paused { get; private set; }
    public HaltKind Halt { get; private set; }
    /// <summary>Fires when the run is halted: what waits for a slot, an image or an in-process scan stops waiting.</summary>
    public CancellationToken HaltToken => _halted.Token;
    /// <summary>Counts changes, so a waiter can tell whether one came after it last looked.</summary>
    public long Version { get { lock (_lock) return _version; } }

    public bool Pause() => Change(() => Halt == HaltKind.None && !Paused, () => Paused = true);
    public bool Resume() => Change(() => Halt == HaltKind.None && Paused, () => Paused = false);

    /// <summary>The first halt wins: a stop after a cancel (or the reverse) changes nothing.</summary>
    public bool RequestHalt(HaltKind kind)
    {
        if (kind == HaltKind.None) throw new ArgumentOutOfRangeException(nameof(kind));
        var changed = Change(() => Halt == HaltKind.None, () => { Halt = kind; Paused = false; });
        if (changed) _halted.Cancel();
        return changed;
    }

    /// <summary>Completes at the first change after <paramref name="seenVersion"/> (at once if one came already).</summary>
    public Task ChangedAfter(long seenVersion)
    {
        lock (_lock) return _version != seenVersion ? Task.CompletedTask : _next.Task;
    }

    private bool Change(Func<bool> allowed, Action apply)
    {
        TaskCompletionSource signal;
        lock (_lock)
        {
            if (!allowed()) return false;
            apply();
            _version++;
            signal = _next;
            _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        signal.TrySetResult();
        return true;
    }
}

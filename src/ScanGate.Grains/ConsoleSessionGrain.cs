using ScanGate.Contracts;

namespace ScanGate.Grains;

[GenerateSerializer, Alias("scangate.console-session-state.v1")]
public sealed class ConsoleSessionState
{
    [Id(0)] public ConsoleSession? Session { get; set; }
}

/// <summary>A console session: opened with a key's hash, extended by use, ended by sign-out or idleness.</summary>
public sealed class ConsoleSessionGrain(
    [PersistentState("console-session", "state")] IPersistentState<ConsoleSessionState> store,
    Clock clock) : Grain, IConsoleSessionGrain
{
    // Extending the expiry on every request would write state on every page view; a minute's slack is enough.
    private static readonly TimeSpan ExtendWriteInterval = TimeSpan.FromMinutes(1);

    public async Task Open(string keyHash, TimeSpan idleTimeout)
    {
        var now = clock.UtcNow;
        store.State.Session = new ConsoleSession { KeyHash = keyHash, CreatedAt = now, ExpiresAt = now + idleTimeout, IdleTimeout = idleTimeout };
        await store.WriteStateAsync();
    }

    public async Task<string?> Use()
    {
        if (store.State.Session is not { } s) return null;
        var now = clock.UtcNow;
        if (now >= s.ExpiresAt)
        {
            await End();
            return null;
        }
        if (now + s.IdleTimeout - s.ExpiresAt >= ExtendWriteInterval || s.IdleTimeout < ExtendWriteInterval * 2)
        {
            store.State.Session = s with { ExpiresAt = now + s.IdleTimeout };
            await store.WriteStateAsync();
        }
        return s.KeyHash;
    }

    public async Task End()
    {
        if (store.State.Session is null) return;
        await store.ClearStateAsync();
        DeactivateOnIdle();
    }
}

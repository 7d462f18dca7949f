namespace ScanGate.Contracts;

/// <summary>A signed-in console session as stored: the key it acts with (by hash, never the secret) and its idle expiry.</summary>
[GenerateSerializer, Alias("scangate.console-session.v1")]
public sealed record ConsoleSession
{
    /// <summary>The SHA-256 of the API key the session was opened with; every request re-authenticates it.</summary>
    [Id(0)] public required string KeyHash { get; init; }
    [Id(1)] public required DateTimeOffset CreatedAt { get; init; }
    [Id(2)] public required DateTimeOffset ExpiresAt { get; init; }
    /// <summary>How long the session lives without use; each use moves <see cref="ExpiresAt"/> this far ahead.</summary>
    [Id(3)] public required TimeSpan IdleTimeout { get; init; }
}

/// <summary>One console session, keyed by a random session id (the only thing the browser's cookie holds), so every
/// node that serves the console can check it and signing out ends it everywhere.</summary>
[Alias("scangate.IConsoleSessionGrain")]
public interface IConsoleSessionGrain : IGrainWithStringKey
{
    [Alias("open")] Task Open(string keyHash, TimeSpan idleTimeout);
    /// <summary>The key hash while the session is live, extending its idle expiry; null once it has ended or expired.</summary>
    [Alias("use")] Task<string?> Use();
    [Alias("end")] Task End();
}

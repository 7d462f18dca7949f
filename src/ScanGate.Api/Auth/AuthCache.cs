using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using ScanGate.Contracts;

namespace ScanGate.Api.Auth;

/// <summary>
/// Remembers, for a few seconds, what a key's grain said about it, and enforces the key's per-minute rate
/// limit on this node, so a busy CI key costs one grain call per few seconds instead of one per request.
/// A key revoked through this node, or whose member this node removed, is forgotten at once; elsewhere
/// within <see cref="AuthOptions.CacheSeconds"/>. With several API nodes each enforces the limit itself.
/// </summary>
public sealed class AuthCache(IOptions<AuthOptions> options, Clock clock) : IKeyCache
{
    private sealed record Entry(Caller Caller, DateTimeOffset CachedUntil, DateTimeOffset KeyExpiresAt);
    private sealed record Limiter(int PerMinute, TokenBucketRateLimiter Bucket);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Limiter> _limiters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _touched = new(StringComparer.Ordinal);

    public bool Enabled => options.Value.CacheSeconds > 0;

    public Caller? Get(string keyHash)
    {
        if (!Enabled || !_entries.TryGetValue(keyHash, out var e)) return null;
        var now = clock.UtcNow;
        if (now < e.CachedUntil && now < e.KeyExpiresAt) return e.Caller;
        _entries.TryRemove(keyHash, out _);
        return null;
    }

    public void Put(string keyHash, AuthResult result)
    {
        if (!Enabled || result.Caller is null) return;
        _entries[keyHash] = new Entry(result.Caller, clock.UtcNow.AddSeconds(options.Value.CacheSeconds), result.ExpiresAt);
        if (!_limiters.TryGetValue(keyHash, out var l) || l.PerMinute != result.RateLimitPerMinute)
            _limiters[keyHash] = new Limiter(result.RateLimitPerMinute, RateLimits.PerMinute(result.RateLimitPerMinute));
    }

    /// <summary>Takes one request from the key's bucket; the seconds to wait when it is empty.</summary>
    public int? TryAcquire(string keyHash)
    {
        if (!_limiters.TryGetValue(keyHash, out var l)) return null;
        using var lease = l.Bucket.AttemptAcquire();
        if (lease.IsAcquired) return null;
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 60;
    }

    /// <summary>True at most once a minute per key: time to tell the key's grain it was used.</summary>
    public bool ShouldTouch(string keyHash)
    {
        var now = clock.UtcNow;
        if (_touched.TryGetValue(keyHash, out var last) && now - last < TimeSpan.FromMinutes(1)) return false;
        _touched[keyHash] = now;
        return true;
    }

    public void Evict(string keyHash) => _entries.TryRemove(keyHash, out _);

    public void EvictMember(string orgId, string memberId)
    {
        foreach (var (hash, e) in _entries)
            if (e.Caller.OrgId == orgId && e.Caller.MemberId == memberId) _entries.TryRemove(hash, out _);
    }
}

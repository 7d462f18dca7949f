using System.Threading.RateLimiting;

namespace ScanGate.Contracts;

public static class RateLimits
{
    /// <summary>A key's per-minute limit as a token bucket: a burst of the whole minute's allowance, refilled a
    /// sixth every ten seconds, so a client that is over it learns when to come back. The key's grain and the
    /// API node that caches the key's answer enforce the same bucket.</summary>
    public static TokenBucketRateLimiter PerMinute(int perMinute) => new(new TokenBucketRateLimiterOptions
    {
        TokenLimit = perMinute,
        TokensPerPeriod = Math.Max(1, perMinute / 6),
        ReplenishmentPeriod = TimeSpan.FromSeconds(perMinute >= 6 ? 10 : 60.0 / perMinute),
        QueueLimit = 0,
        AutoReplenishment = true,
    });
}

using System.Threading.RateLimiting;
using ScanGate.Api.Compat;

namespace ScanGate.Tests.Compat;

/// <summary>The limiter behind /compat/harborguard's 10 POSTs a minute: exactly that many in any minute, and a
/// Retry-After that is when the oldest of them leaves the minute.</summary>
public class HarborguardPostLimitTests
{
    private sealed class ManualTime : TimeProvider
    {
        public long Now { get; set; } = 1_000_000;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => Now;
        public void Advance(TimeSpan by) => Now += by.Ticks;
    }

    [Fact]
    public void Ten_in_any_minute_and_the_eleventh_learns_when_the_oldest_leaves()
    {
        var time = new ManualTime();
        using var limiter = new SlidingLogRateLimiter(HarborguardPostLimit.PerMinute, TimeSpan.FromMinutes(1), time);
        Assert.NotNull(limiter.IdleDuration);
        for (var i = 0; i < 10; i++)
        {
            Assert.True(limiter.AttemptAcquire().IsAcquired, $"permit {i + 1}");
            time.Advance(TimeSpan.FromSeconds(3)); // the tenth at 27 s
        }
        Assert.Null(limiter.IdleDuration);

        // At 30 s: the first permit (taken at 0 s) leaves the minute at 60 s.
        using (var refused = limiter.AttemptAcquire())
        {
            Assert.False(refused.IsAcquired);
            Assert.True(refused.TryGetMetadata(MetadataName.RetryAfter, out var after));
            Assert.Equal(TimeSpan.FromSeconds(30), after);
        }
        Assert.False(limiter.AttemptAcquire(0).IsAcquired); // none is free
        Assert.Equal(0, limiter.GetStatistics()!.CurrentAvailablePermits);

        time.Advance(TimeSpan.FromSeconds(30)); // 60 s: the first has left, the second (3 s) has not
        Assert.True(limiter.AttemptAcquire().IsAcquired);
        Assert.False(limiter.AttemptAcquire().IsAcquired);
        var stats = limiter.GetStatistics()!;
        Assert.Equal((11, 3), (stats.TotalSuccessfulLeases, stats.TotalFailedLeases));

        // Disposing a lease gives nothing back: a permit is a request made.
        using (var probe = limiter.AttemptAcquire(0)) Assert.False(probe.IsAcquired);
        time.Advance(TimeSpan.FromSeconds(2)); // 62 s: still refused, and the refusal takes nothing
        limiter.AttemptAcquire().Dispose();
        time.Advance(TimeSpan.FromSeconds(1)); // 63 s: the second has left
        using (var granted = limiter.AttemptAcquire()) Assert.True(granted.IsAcquired);
        Assert.False(limiter.AttemptAcquire().IsAcquired);

        // A minute after the last permit (63 s), all are free again and the limiter counts as idle from then on.
        time.Advance(TimeSpan.FromSeconds(65)); // 128 s
        Assert.Equal(TimeSpan.FromSeconds(5), limiter.IdleDuration);
        Assert.Equal(10, limiter.GetStatistics()!.CurrentAvailablePermits);
    }

    [Fact]
    public void Several_permits_at_once_wait_for_as_many_to_leave()
    {
        var time = new ManualTime();
        using var limiter = new SlidingLogRateLimiter(3, TimeSpan.FromSeconds(10), time);
        for (var i = 0; i < 3; i++) { Assert.True(limiter.AttemptAcquire().IsAcquired); time.Advance(TimeSpan.FromSeconds(1)); }
        using var refused = limiter.AttemptAcquire(2);
        Assert.False(refused.IsAcquired);
        Assert.True(refused.TryGetMetadata(MetadataName.RetryAfter, out var after));
        Assert.Equal(TimeSpan.FromSeconds(8), after); // the second (at 1 s) leaves at 11 s; it is 3 s now
        Assert.Throws<ArgumentOutOfRangeException>(() => limiter.AttemptAcquire(4));
    }
}

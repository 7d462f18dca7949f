using System.Threading.RateLimiting;

namespace ScanGate.Api.Compat;

/// <summary>
/// At most <c>permitLimit</c> permits in any <c>window</c>, exactly: it remembers when each permit of the last window
/// was taken, so a refusal can say when the oldest of them runs out — a Retry-After a client can trust, where the
/// built-in window limiters answer with a whole window or segment. A permit counts for the whole window once taken
/// (disposing a lease gives nothing back): it records a request, it is not a resource held. Meant for small limits;
/// memory is one timestamp per permit in the window. Nothing queues: a refusal is immediate.
/// </summary>
public sealed class SlidingLogRateLimiter : RateLimiter
{
    private static readonly RateLimitLease Granted = new Lease(true, null);

    private readonly int _permitLimit;
    private readonly long _window;
    private readonly TimeProvider _time;
    private readonly Queue<long> _taken = new();
    private long _lastTaken;
    private long _successful, _failed;

    public SlidingLogRateLimiter(int permitLimit, TimeSpan window, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(permitLimit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        _permitLimit = permitLimit;
        _time = time ?? TimeProvider.System;
        _window = (long)(window.TotalSeconds * _time.TimestampFrequency);
        _lastTaken = _time.GetTimestamp() - _window; // idle from the start
    }

    /// <summary>How long every permit has been free (the partitioned limiter drops a limiter idle for long); null while
    /// any permit is within the window.</summary>
    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_taken)
            {
                var now = _time.GetTimestamp();
                Prune(now);
                return _taken.Count > 0 ? null : _time.GetElapsedTime(_lastTaken + _window, now);
            }
        }
    }

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_taken)
        {
            Prune(_time.GetTimestamp());
            return new RateLimiterStatistics
            {
                CurrentAvailablePermits = _permitLimit - _taken.Count, CurrentQueuedCount = 0,
                TotalSuccessfulLeases = _successful, TotalFailedLeases = _failed,
            };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(permitCount, _permitLimit);
        lock (_taken)
        {
            var now = _time.GetTimestamp();
            Prune(now);
            // Asking for no permit asks whether one is free.
            var over = Math.Max(_taken.Count + permitCount - _permitLimit, permitCount == 0 ? _taken.Count - _permitLimit + 1 : 0);
            if (over <= 0)
            {
                for (var i = 0; i < permitCount; i++) _taken.Enqueue(now);
                if (permitCount > 0) _lastTaken = now;
                _successful++;
                return Granted;
            }
            // Enough permits are free once the over-th oldest one leaves the window.
            var frees = _taken.ElementAt(over - 1) + _window;
            _failed++;
            return new Lease(false, _time.GetElapsedTime(now, frees));
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    private void Prune(long now)
    {
        while (_taken.Count > 0 && now - _taken.Peek() >= _window) _taken.Dequeue();
    }

    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter is { } after && metadataName == MetadataName.RetryAfter.Name ? after : null;
            return metadata is not null;
        }
    }
}

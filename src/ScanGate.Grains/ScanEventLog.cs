using Microsoft.Extensions.Logging;
using Orleans.Streams;
using ScanGate.Contracts;

namespace ScanGate.Grains;

/// <summary>
/// A scan's live events: each gets the scan's next sequence number (kept in <see cref="ScanState.Sequence"/>, so a
/// reactivated scan never reuses one), the last <see cref="BufferSize"/> stay in memory for clients resuming with
/// Last-Event-ID, and each is published on the scan's stream. The stream is only the live view: a publish that fails is
/// logged, never the scan's failure.
/// </summary>
public sealed class ScanEventLog(ScanState state, IAsyncStream<ScanEvent> stream, ILogger logger, string scanId)
{
    public const int BufferSize = 2000;
    /// <summary>How far a reactivated scan moves its sequence on, past any number published after its last write.</summary>
    public const long ReactivationGap = 100_000;

    private readonly LinkedList<ScanEvent> _recent = new();

    /// <summary>A scan picked up again (its activation was lost) continues past anything it may have published
    /// after its state was last written.</summary>
    public void SkipPastUnsavedEvents() => state.Sequence += ReactivationGap;

    public async Task PublishAsync(ScanEvent e)
    {
        e = e with { Sequence = ++state.Sequence };
        _recent.AddLast(e);
        while (_recent.Count > BufferSize) _recent.RemoveFirst();
        try
        {
            await stream.OnNextAsync(e);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Scan {ScanId}: event {Sequence} not published on the stream", scanId, e.Sequence);
        }
    }

    public Task HeartbeatAsync(ScanStatus status) =>
        PublishAsync(new ScanEvent { Sequence = 0, Type = "heartbeat", At = DateTimeOffset.UtcNow, Status = status });

    public IReadOnlyList<ScanEvent> Since(long afterSequence) => _recent.Where(e => e.Sequence > afterSequence).ToList();
}

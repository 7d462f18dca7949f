using System.Net.ServerSentEvents;
using System.Text.Json;

namespace ScanGate.Cli.Api;

/// <summary>What a follower reports while a scan runs.</summary>
public interface IScanProgress
{
    void Snapshot(Scan scan);
    void Event(ScanEvent e);
    void Reconnecting(string? lastEventId, string reason);
}

/// <summary>
/// Follows a scan's Server-Sent Events to its end: a snapshot, then live events. When the stream drops it
/// reconnects with <c>Last-Event-ID</c> so nothing is missed or shown twice; the verdict is then read from the API
/// (the stream is the live view, the scan's results the truth).
/// </summary>
public sealed class ScanEventFollower(ScanGateClient client, int maxReconnects = 10)
{
    /// <summary>The server sends a heartbeat at least every 15 s; a stream silent for longer is dead.</summary>
    public static readonly TimeSpan IdleLimit = TimeSpan.FromSeconds(45);

    public async Task<Scan> FollowAsync(string scanId, IScanProgress progress, CancellationToken ct)
    {
        string? lastEventId = null;
        var failures = 0;
        while (true)
        {
            string reason;
            try
            {
                if (await ReadUntilFinishedAsync(scanId, progress, id => lastEventId = id, () => failures = 0, lastEventId, ct))
                    return (await client.GetResultsAsync(scanId, ct)).Scan;
                reason = "the stream ended before the scan did";
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException && !ct.IsCancellationRequested)
            {
                reason = ex.Message;
            }
            catch (CliException ex) when (ex.ExitCode == ExitCodes.Unreachable && !ct.IsCancellationRequested)
            {
                reason = ex.Message;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                reason = $"no event or heartbeat for {IdleLimit.TotalSeconds:0} s";
            }
            if (++failures > maxReconnects)
            {
                // One last look through the retrying client: a scan that ended meanwhile still has its verdict.
                var (scan, _) = await client.GetResultsAsync(scanId, ct);
                if (scan.IsOver) return scan;
                throw new CliException(ExitCodes.Unreachable, $"lost the event stream of {scanId} {failures - 1} times ({reason})");
            }
            progress.Reconnecting(lastEventId, reason);
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 250 * (1 << Math.Min(failures, 5)))), ct);
        }
    }

    /// <summary>True when the stream carried the scan's final event.</summary>
    private async Task<bool> ReadUntilFinishedAsync(string scanId, IScanProgress progress, Action<string> seen, Action alive, string? lastEventId, CancellationToken ct)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        idle.CancelAfter(IdleLimit);
        using var response = await client.OpenEventsAsync(scanId, lastEventId, idle.Token);
        await using var stream = await response.Content.ReadAsStreamAsync(idle.Token);
        var parser = SseParser.Create(stream);
        await foreach (var item in parser.EnumerateAsync(idle.Token))
        {
            idle.CancelAfter(IdleLimit);
            if (!string.IsNullOrEmpty(item.EventId)) seen(item.EventId);
            alive();
            switch (item.EventType)
            {
                case "heartbeat":
                    continue;
                case "snapshot":
                    progress.Snapshot(JsonSerializer.Deserialize(item.Data, CliJson.Default.Scan)!);
                    continue;
                default:
                    var e = JsonSerializer.Deserialize(item.Data, CliJson.Default.ScanEvent)!;
                    progress.Event(e);
                    if (e.Type == "finished") return true;
                    continue;
            }
        }
        return false;
    }
}

using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;
using ScanGate.Contracts;

namespace ScanGate.WebConsole.Data;

/// <summary>
/// This node's one subscription per watched scan, shared by every console page that shows it: the first watcher
/// subscribes to the scan's stream, the last one to leave unsubscribes. (The stand-in for the application layer's
/// per-node event hub; only <see cref="ConsoleData"/> uses it.)
/// </summary>
public sealed class ScanWatchers(IClusterClient client, ILogger<ScanWatchers> logger)
{
    private sealed class Entry
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public readonly List<Func<ScanEvent, Task>> Watchers = [];
        public StreamSubscriptionHandle<ScanEvent>? Subscription;
    }

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>How many scans this node subscribes to now (one each, however many pages watch it).</summary>
    public int Subscriptions { get { lock (_entries) return _entries.Values.Count(e => e.Subscription is not null); } }

    public async Task<IAsyncDisposable> WatchAsync(string scanId, Func<ScanEvent, Task> onEvent)
    {
        while (true)
        {
            Entry entry;
            lock (_entries)
            {
                if (!_entries.TryGetValue(scanId, out entry!)) _entries[scanId] = entry = new Entry();
            }
            await entry.Gate.WaitAsync();
            try
            {
                // The last watcher may have left (and dropped the entry) while this one waited: start again.
                lock (_entries) if (!_entries.TryGetValue(scanId, out var current) || current != entry) continue;
                entry.Subscription ??= await client.GetStreamProvider(ScanStreams.Provider)
                    .GetStream<ScanEvent>(StreamId.Create(ScanStreams.Namespace, scanId))
                    .SubscribeAsync((e, _) => DeliverAsync(entry, e));
                lock (entry.Watchers) entry.Watchers.Add(onEvent);
                return new Watch(this, scanId, entry, onEvent);
            }
            finally { entry.Gate.Release(); }
        }
    }

    private Task DeliverAsync(Entry entry, ScanEvent e)
    {
        Func<ScanEvent, Task>[] watchers;
        lock (entry.Watchers) watchers = [.. entry.Watchers];
        // Each page renders on its own circuit: hand the event over without waiting for any of them.
        foreach (var w in watchers) _ = DeliverOneAsync(w, e);
        return Task.CompletedTask;
    }

    private async Task DeliverOneAsync(Func<ScanEvent, Task> watcher, ScanEvent e)
    {
        try { await watcher(e); }
        catch (Exception ex) { logger.LogDebug(ex, "a console page failed to take scan event {Sequence}", e.Sequence); }
    }

    private async Task LeaveAsync(string scanId, Entry entry, Func<ScanEvent, Task> onEvent)
    {
        await entry.Gate.WaitAsync();
        try
        {
            bool last;
            lock (entry.Watchers) { entry.Watchers.Remove(onEvent); last = entry.Watchers.Count == 0; }
            if (!last || entry.Subscription is null) return;
            lock (_entries) _entries.Remove(scanId);
            var subscription = entry.Subscription;
            entry.Subscription = null;
            try { await subscription.UnsubscribeAsync(); }
            catch (Exception ex) when (ex is OrleansException or TimeoutException) { logger.LogDebug(ex, "unsubscribing from scan {ScanId} failed", scanId); }
        }
        finally { entry.Gate.Release(); }
    }

    private sealed class Watch(ScanWatchers owner, string scanId, Entry entry, Func<ScanEvent, Task> onEvent) : IAsyncDisposable
    {
        private int _disposed;
        public ValueTask DisposeAsync() =>
            Interlocked.Exchange(ref _disposed, 1) == 0 ? new ValueTask(owner.LeaveAsync(scanId, entry, onEvent)) : ValueTask.CompletedTask;
    }
}

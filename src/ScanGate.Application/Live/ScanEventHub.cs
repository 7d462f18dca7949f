using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;
using ScanGate.Contracts;

namespace ScanGate.Application.Live;

/// <summary>
/// This node's one view of each watched scan's event stream. However many SSE connections and console pages watch a
/// scan on this node, the node holds one stream subscription for it; events are fanned out locally to every watcher.
/// A feed outlives its last watcher by <see cref="Linger"/> so that a page reload or an SSE reconnect does not
/// unsubscribe and subscribe again (each of those writes the stream's pub-sub state).
/// </summary>
public sealed class ScanEventHub(IClusterClient client, ILogger<ScanEventHub> logger) : IAsyncDisposable
{
    /// <summary>How many events a watcher may fall behind before it is cut off (it then resumes from the scan's buffer).</summary>
    public const int WatcherCapacity = 4096;
    public static readonly TimeSpan Linger = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, Feed> _feeds = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _subscriptions;
    private ILogger Logger => logger;

    /// <summary>Stream subscriptions this node holds now (one per watched scan).</summary>
    public int Feeds { get { lock (_gate) return _feeds.Count; } }
    /// <summary>Watchers (SSE connections, console components) on this node now.</summary>
    public int Watchers { get { lock (_gate) return _feeds.Values.Sum(f => f.WatcherCount); } }
    /// <summary>Stream subscriptions this node has made since it started.</summary>
    public long SubscriptionsMade => Interlocked.Read(ref _subscriptions);

    /// <summary>
    /// Starts watching a scan: live events from the moment this returns. Subscribe before reading a snapshot, so that
    /// nothing falls between the two. Dispose the watch to stop.
    /// </summary>
    public async Task<ScanWatch> WatchAsync(string scanId, CancellationToken cancellationToken = default)
    {
        Feed feed;
        ScanWatch watch;
        lock (_gate)
        {
            if (!_feeds.TryGetValue(scanId, out feed!))
            {
                feed = new Feed(this, scanId);
                _feeds[scanId] = feed;
            }
            watch = feed.Add();
        }
        try
        {
            await feed.Subscribed.WaitAsync(cancellationToken);
            return watch;
        }
        catch
        {
            await watch.DisposeAsync();
            // A subscription that failed is not kept: the next watcher tries again.
            if (feed.Subscribed.IsFaulted) lock (_gate) if (_feeds.TryGetValue(scanId, out var current) && current == feed) _feeds.Remove(scanId);
            throw;
        }
    }

    private async Task<StreamSubscriptionHandle<ScanEvent>> SubscribeAsync(Feed feed)
    {
        var stream = client.GetStreamProvider(ScanStreams.Provider).GetStream<ScanEvent>(StreamId.Create(ScanStreams.Namespace, feed.ScanId));
        var handle = await stream.SubscribeAsync((e, _) => { feed.Deliver(e); return Task.CompletedTask; });
        Interlocked.Increment(ref _subscriptions);
        return handle;
    }

    private void Released(Feed feed)
    {
        lock (_gate)
        {
            if (feed.WatcherCount > 0 || !_feeds.TryGetValue(feed.ScanId, out var current) || current != feed) return;
        }
        _ = Task.Delay(Linger).ContinueWith(_ => CloseIfIdleAsync(feed), TaskScheduler.Default).Unwrap();
    }

    private async Task CloseIfIdleAsync(Feed feed)
    {
        lock (_gate)
        {
            if (feed.WatcherCount > 0 || !_feeds.TryGetValue(feed.ScanId, out var current) || current != feed) return;
            _feeds.Remove(feed.ScanId);
        }
        await feed.UnsubscribeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Feed[] feeds;
        lock (_gate)
        {
            feeds = _feeds.Values.ToArray();
            _feeds.Clear();
        }
        // The node is going away: its subscriptions go with it, so a failure to remove one is not worth a warning.
        foreach (var f in feeds) await f.UnsubscribeAsync(LogLevel.Debug);
    }

    /// <summary>One scan's subscription on this node and the watchers it feeds.</summary>
    private sealed class Feed
    {
        private readonly ScanEventHub _hub;
        private readonly List<ScanWatch> _watchers = [];
        private readonly Task<StreamSubscriptionHandle<ScanEvent>> _handle;

        public Feed(ScanEventHub hub, string scanId)
        {
            _hub = hub;
            ScanId = scanId;
            _handle = Task.Run(() => hub.SubscribeAsync(this)); // not under the hub's lock
            Subscribed = _handle;
        }

        public string ScanId { get; }
        public Task Subscribed { get; }
        public int WatcherCount { get { lock (_watchers) return _watchers.Count; } }

        public ScanWatch Add()
        {
            var watch = new ScanWatch(ScanId, w => Remove(w));
            lock (_watchers) _watchers.Add(watch);
            return watch;
        }

        private void Remove(ScanWatch watch)
        {
            bool empty;
            lock (_watchers)
            {
                _watchers.Remove(watch);
                empty = _watchers.Count == 0;
            }
            if (empty) _hub.Released(this);
        }

        public void Deliver(ScanEvent e)
        {
            ScanWatch[] watchers;
            lock (_watchers) watchers = _watchers.ToArray();
            foreach (var w in watchers) w.Offer(e);
        }

        public async Task UnsubscribeAsync(LogLevel failureLevel = LogLevel.Warning)
        {
            try
            {
                var handle = await _handle;
                await handle.UnsubscribeAsync();
            }
            catch (Exception ex)
            {
                // The stream is only the live view; a subscription that could not be made or removed is logged, and a
                // new watcher of the scan gets a new feed.
                _hub.Logger.Log(failureLevel, ex, "Scan {ScanId}: the node's event subscription was not removed cleanly", ScanId);
            }
        }
    }
}

/// <summary>One watcher of a scan on this node: the live events since it began watching.</summary>
public sealed class ScanWatch : IAsyncDisposable
{
    private readonly Channel<ScanEvent> _events = Channel.CreateBounded<ScanEvent>(new BoundedChannelOptions(ScanEventHub.WatcherCapacity)
    { SingleReader = true, SingleWriter = false, FullMode = BoundedChannelFullMode.Wait });
    private readonly Action<ScanWatch> _release;
    private int _disposed;

    internal ScanWatch(string scanId, Action<ScanWatch> release)
    {
        ScanId = scanId;
        _release = release;
    }

    public string ScanId { get; }

    /// <summary>Live events in order. Completes with <see cref="WatcherFellBehindException"/> when the watcher fell so far
    /// behind that events would have been lost: it should then read the scan again (a snapshot, or the scan's buffer
    /// since its last sequence) and watch anew.</summary>
    public ChannelReader<ScanEvent> Events => _events.Reader;

    internal void Offer(ScanEvent e)
    {
        if (!_events.Writer.TryWrite(e))
            _events.Writer.TryComplete(new WatcherFellBehindException(ScanId));
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _events.Writer.TryComplete();
            _release(this);
        }
        return ValueTask.CompletedTask;
    }
}

public sealed class WatcherFellBehindException(string scanId)
    : Exception($"a watcher of scan {scanId} fell more than {ScanEventHub.WatcherCapacity} events behind and was cut off");

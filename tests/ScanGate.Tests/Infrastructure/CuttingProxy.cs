using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ScanGate.Tests.Infrastructure;

/// <summary>
/// A loopback TCP proxy in front of a server that can drop every connection it carries at once, as a load
/// balancer or a flaky network does mid-stream. It keeps the head of each request it relayed, so a test can see
/// what a client sent when it came back (Last-Event-ID).
/// </summary>
public sealed class CuttingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _upstreamPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(TcpClient Client, TcpClient Upstream)> _open = [];
    private readonly List<string> _requests = [];
    private readonly Task _accepting;

    /// <summary>Called with each connection's response text so far; return true to cut every connection now.</summary>
    public Func<string, bool>? CutWhen { get; set; }
    public int Cuts { get; private set; }
    public Uri BaseAddress { get; }
    /// <summary>Connections answered by the proxy itself with this status and Retry-After (seconds), as an overloaded
    /// server or gateway does, before any is relayed; the times they came are in <see cref="Refused"/>.</summary>
    public (int Count, int Status, int RetryAfterSeconds) Refuse { get; set; }
    public List<DateTimeOffset> Refused { get; } = [];
    public IReadOnlyList<string> Requests { get { lock (_requests) return _requests.ToList(); } }

    public CuttingProxy(int upstreamPort)
    {
        _upstreamPort = upstreamPort;
        _listener.Start();
        BaseAddress = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _accepting = AcceptAsync();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            if (Refuse.Count > 0)
            {
                Refuse = Refuse with { Count = Refuse.Count - 1 };
                lock (Refused) Refused.Add(DateTimeOffset.UtcNow);
                await RefuseAsync(client, Refuse.Status, Refuse.RetryAfterSeconds);
                continue;
            }
            var upstream = new TcpClient();
            await upstream.ConnectAsync(IPAddress.Loopback, _upstreamPort);
            lock (_open) _open.Add((client, upstream));
            _ = PumpAsync(client.GetStream(), upstream.GetStream(), request: true);
            _ = PumpAsync(upstream.GetStream(), client.GetStream(), request: false);
        }
    }

    private async Task RefuseAsync(TcpClient client, int status, int retryAfter)
    {
        using (client)
        {
            var stream = client.GetStream();
            var head = new StringBuilder();
            var buffer = new byte[4096];
            while (!head.ToString().Contains("\r\n\r\n"))
            {
                var n = await stream.ReadAsync(buffer, _stop.Token);
                if (n == 0) return;
                head.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }
            lock (_requests) _requests.Add(head.ToString());
            var answer = $"HTTP/1.1 {status} Busy\r\nRetry-After: {retryAfter}\r\nContent-Type: application/problem+json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(answer), _stop.Token);
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, bool request)
    {
        var buffer = new byte[16384];
        var seen = new StringBuilder();
        try
        {
            while (true)
            {
                var n = await from.ReadAsync(buffer, _stop.Token);
                if (n == 0) break;
                var text = Encoding.UTF8.GetString(buffer, 0, n);
                if (request)
                {
                    lock (_requests) _requests.Add(text);
                }
                else
                {
                    seen.Append(text);
                    if (CutWhen?.Invoke(seen.ToString()) == true)
                    {
                        CutWhen = null;
                        CutAll();
                        return;
                    }
                }
                await to.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or SocketException) { }
        finally
        {
            // Half a connection is no connection: close both sides.
            from.Close();
            to.Close();
        }
    }

    /// <summary>Drops every open connection (RST-free close of both sides).</summary>
    public void CutAll()
    {
        lock (_open)
        {
            Cuts++;
            foreach (var (client, upstream) in _open) { client.Close(); upstream.Close(); }
            _open.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        CutAll();
        try { await _accepting; } catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException) { }
    }
}

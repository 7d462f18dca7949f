using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ScanGate.Api.Sources;

/// <summary>Bound from "ScanGate:Sources": uploaded source trees, served to scanner containers over git://.</summary>
public sealed class SourceOptions
{
    public const string Section = "ScanGate:Sources";
    /// <summary>Where the git:// server listens (loopback by default: scanner containers use host networking).</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";
    /// <summary>0: any free port.</summary>
    public int Port { get; set; }
    /// <summary>The host name or address scanner containers reach this node at (default: the listen address).</summary>
    public string? AdvertisedHost { get; set; }
    /// <summary>How long an uploaded source stays available (for the scan, and a rescan of it).</summary>
    public int RetentionMinutes { get; set; } = 24 * 60;
    public long MaxUnpackedBytes { get; set; } = 128L * 1024 * 1024;
    public int MaxFiles { get; set; } = 20_000;
    /// <summary>The most this node holds in packed sources at once; the oldest go first.</summary>
    public long MaxHeldBytes { get; set; } = 1024L * 1024 * 1024;
}

/// <summary>
/// Uploaded source trees as Git repositories a scanner clones like any other: a small git:// server (the
/// upload-pack side of Git's pack protocol, version 0) that serves each <see cref="GitSnapshot"/> under an
/// unguessable path for <see cref="SourceOptions.RetentionMinutes"/>. Sources live in this node's memory: a
/// node that restarts forgets them, and a scan of one whose source is gone fails with the clone's error.
/// </summary>
public sealed class SourceRepositoryServer(IOptions<SourceOptions> options, ILogger<SourceRepositoryServer> logger, ScanGate.Contracts.Clock clock)
    : BackgroundService
{
    private sealed record Held(GitSnapshot Snapshot, string Name, DateTimeOffset Until);

    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(60);
    private readonly ConcurrentDictionary<string, Held> _held = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<int> _port = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TcpListener? _listener;

    public SourceOptions Options => options.Value;

    /// <summary>Serves <paramref name="snapshot"/> and returns its git:// URL; the URL's last segment is
    /// <paramref name="name"/>.git (a project made from the URL takes its name from it).</summary>
    public async Task<(string Url, string Token)> PublishAsync(GitSnapshot snapshot, string name, CancellationToken cancellationToken)
    {
        var port = await _port.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        Expire();
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        _held[token] = new Held(snapshot, name, clock.UtcNow.AddMinutes(options.Value.RetentionMinutes));
        var host = options.Value.AdvertisedHost ?? options.Value.ListenAddress;
        if (IPAddress.TryParse(host, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6) host = $"[{host}]";
        return ($"git://{host}:{port}/{token}/{name}.git", token);
    }

    /// <summary>Stops serving a source that no scan will use (its scan was refused).</summary>
    public void Withdraw(string token) => _held.TryRemove(token, out _);

    private void Expire()
    {
        var now = clock.UtcNow;
        foreach (var (token, held) in _held)
            if (held.Until <= now) _held.TryRemove(token, out _);
        var total = _held.Values.Sum(h => (long)h.Snapshot.Pack.Length);
        foreach (var (token, held) in _held.OrderBy(h => h.Value.Until))
        {
            if (total <= options.Value.MaxHeldBytes) break;
            if (_held.TryRemove(token, out _)) total -= held.Snapshot.Pack.Length;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _listener = new TcpListener(IPAddress.Parse(options.Value.ListenAddress), options.Value.Port);
        _listener.Start();
        var port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _port.TrySetResult(port);
        logger.LogInformation("Serving uploaded sources over git:// on {Address}:{Port}", options.Value.ListenAddress, port);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(stoppingToken);
                _ = ServeAsync(client, stoppingToken);
            }
        }
        catch (OperationCanceledException) { }
        finally { _listener.Stop(); }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken stoppingToken)
    {
        using var _ = client;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        cts.CancelAfter(IdleTimeout);
        var stream = client.GetStream();
        try
        {
            await ServeUploadPackAsync(stream, cts.Token);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidDataException or FormatException or SocketException)
        {
            logger.LogDebug(ex, "A git:// client of the source server went away or spoke out of turn");
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Serving a source over git:// failed");
        }
    }

    private async Task ServeUploadPackAsync(Stream stream, CancellationToken ct)
    {
        // "git-upload-pack /<token>/<name>.git\0host=…\0[\0version=2\0]": newer clients ask for protocol v2 in the
        // extra parameters and fall back to v0 when the server answers with a v0 advertisement, as this one does.
        var request = await PktLine.ReadAsync(stream, ct);
        if (request is null) return;
        var command = Encoding.UTF8.GetString(request).Split('\0')[0];
        if (!command.StartsWith("git-upload-pack ", StringComparison.Ordinal))
        {
            await PktLine.WriteAsync(stream, "ERR this server only serves clones (git-upload-pack)", ct);
            return;
        }
        var segments = command["git-upload-pack ".Length..].Trim().Trim('/').Split('/');
        if (segments.Length != 2 || !_held.TryGetValue(segments[0], out var held) || held.Until <= clock.UtcNow
            || segments[1] != held.Name + ".git")
        {
            await PktLine.WriteAsync(stream, "ERR no such source (it may have expired)", ct);
            return;
        }
        var snapshot = held.Snapshot;
        var head = $"refs/heads/{snapshot.Branch}";
        await PktLine.WriteAsync(stream, $"{snapshot.CommitId} HEAD\0symref=HEAD:{head} agent=scangate\n", ct);
        await PktLine.WriteAsync(stream, $"{snapshot.CommitId} {head}\n", ct);
        await PktLine.FlushAsync(stream, ct);

        // Wants until a flush (none: the client only listed the refs), then haves and flushes until "done".
        var wants = 0;
        while (await PktLine.ReadAsync(stream, ct) is { } line)
        {
            var text = Encoding.UTF8.GetString(line).TrimEnd('\n');
            if (!text.StartsWith("want ", StringComparison.Ordinal)) throw new InvalidDataException("expected a want line");
            if (!text[5..].StartsWith(snapshot.CommitId, StringComparison.Ordinal))
            {
                await PktLine.WriteAsync(stream, "ERR only the branch's head can be fetched", ct);
                return;
            }
            wants++;
        }
        if (wants == 0) return;
        while (true)
        {
            var line = await PktLine.ReadAsync(stream, ct);
            if (line is null) { await PktLine.WriteAsync(stream, "NAK\n", ct); continue; }
            if (Encoding.UTF8.GetString(line).TrimEnd('\n') == "done") break;
        }
        await PktLine.WriteAsync(stream, "NAK\n", ct);
        await stream.WriteAsync(snapshot.Pack, ct);
        await stream.FlushAsync(ct);
    }

    /// <summary>Git's pkt-line framing: four hex digits of length (including themselves), then the data; "0000" flushes.</summary>
    private static class PktLine
    {
        /// <summary>The line's data, or null for a flush packet.</summary>
        public static async Task<byte[]?> ReadAsync(Stream stream, CancellationToken ct)
        {
            var header = new byte[4];
            await stream.ReadExactlyAsync(header, ct);
            var length = Convert.ToInt32(Encoding.ASCII.GetString(header), 16);
            if (length == 0) return null;
            if (length < 4 || length > 65520) throw new InvalidDataException("bad pkt-line length");
            var data = new byte[length - 4];
            await stream.ReadExactlyAsync(data, ct);
            return data;
        }

        public static async Task WriteAsync(Stream stream, string text, CancellationToken ct)
        {
            var data = Encoding.UTF8.GetBytes(text);
            await stream.WriteAsync(Encoding.ASCII.GetBytes((data.Length + 4).ToString("x4")), ct);
            await stream.WriteAsync(data, ct);
        }

        public static Task FlushAsync(Stream stream, CancellationToken ct) => stream.WriteAsync("0000"u8.ToArray(), ct).AsTask();
    }
}

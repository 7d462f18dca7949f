using System.Security.Cryptography;
using ScanGate.Contracts;

namespace ScanGate.Storage;

/// <summary>
/// Files a scan leaves behind (raw reports, its log, SARIF, SBOMs), keyed by (scan, name). Every adapter
/// (in-memory, PostgreSQL, MongoDB GridFS) passes the same contract tests. Content goes in and out as streams,
/// so an adapter whose backend allows it never holds a whole artifact in memory.
/// </summary>
public interface IArtifactStore
{
    /// <summary>Stores the content read from <paramref name="content"/> (from its current position to its end)
    /// under (scan, name), replacing an artifact of that name. Measures its size and SHA-256 as it goes.
    /// Leaves the stream open.</summary>
    Task<ArtifactInfo> PutAsync(string scanId, ArtifactDescriptor artifact, Stream content, CancellationToken cancellationToken = default);
    /// <summary>The scan's artifacts, metadata only, ordered by name (ordinal).</summary>
    Task<IReadOnlyList<ArtifactInfo>> ListAsync(string scanId, CancellationToken cancellationToken = default);
    /// <summary>One artifact for reading, or null when the scan has none of that name. The caller disposes it;
    /// until then it may hold a database connection.</summary>
    Task<ArtifactContent?> OpenAsync(string scanId, string name, CancellationToken cancellationToken = default);
    /// <summary>Removes every artifact of a scan.</summary>
    Task DeleteScanAsync(string scanId, CancellationToken cancellationToken = default);
}

/// <summary>What a caller says about an artifact it puts; the store measures the rest.</summary>
public sealed record ArtifactDescriptor(string Name, ArtifactType Type, string MediaType)
{
    /// <summary>A scanner's report, named after the scanner with the report's extension ("nmap" and
    /// "/out/report.xml" make "nmap.xml"), its media type guessed from that extension.</summary>
    public static ArtifactDescriptor RawReport(string scanner, string reportPath)
    {
        var name = scanner + Path.GetExtension(reportPath);
        return new(name, ArtifactType.RawReport, ArtifactNames.MediaTypeOf(name));
    }

    /// <summary>The scan's log, as UTF-8 text.</summary>
    public static ArtifactDescriptor ScanLog { get; } = new("scan.log", ArtifactType.Log, "text/plain; charset=utf-8");
}

/// <summary>An opened artifact: its metadata and a read-only stream of its content. Disposing it releases
/// whatever the adapter holds for the read (a connection, a cursor).</summary>
public sealed class ArtifactContent(ArtifactInfo info, Stream content) : IAsyncDisposable, IDisposable
{
    public ArtifactInfo Info { get; } = info;
    public Stream Content { get; } = content;
    public ValueTask DisposeAsync() => Content.DisposeAsync();
    public void Dispose() => Content.Dispose();
}

public static class ArtifactNames
{
    public const int MaxLength = 200;

    /// <summary>Refuses a name that could not be a plain file name in a download: empty, too long, a path,
    /// or with control characters. Every adapter checks the same rule.</summary>
    public static void Validate(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > MaxLength || name is "." or ".."
            || name.IndexOfAny(['/', '\\']) >= 0 || name.Any(char.IsControl))
            throw new ArgumentException($"an artifact name is a plain file name of 1 to {MaxLength} characters, not '{name}'", nameof(name));
    }

    /// <summary>A media type for a file name's extension; application/octet-stream when it says nothing.</summary>
    public static string MediaTypeOf(string name) => Path.GetExtension(name).ToLowerInvariant() switch
    {
        ".xml" => "application/xml",
        ".json" => "application/json",
        ".sarif" => "application/sarif+json",
        ".log" or ".txt" => "text/plain; charset=utf-8",
        ".csv" => "text/csv; charset=utf-8",
        ".html" or ".htm" => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    };

    /// <summary>The time a new artifact is stamped with, to the millisecond: the coarsest precision of the
    /// adapters (BSON dates), so every adapter lists what it returned from the put.</summary>
    public static DateTimeOffset Now(TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        return new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
    }
}

/// <summary>Copying with measurement: the adapters that see the bytes go by hash them on the way.</summary>
public static class ArtifactDigest
{
    private const int BufferBytes = 81920;

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/>, returning the byte count and
    /// the SHA-256 (lower-case hex) of what was copied.</summary>
    public static async Task<(long Size, string Sha256)> CopyAsync(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[BufferBytes];
        long size = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            sha.AppendData(buffer, 0, read);
            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            size += read;
        }
        return (size, Convert.ToHexStringLower(sha.GetHashAndReset()));
    }
}

/// <summary>A temporary file that deletes itself when closed: where a stream that can only be read once is
/// kept so it can be read again (or measured before it is sent), without holding it in memory.</summary>
public static class TempSpool
{
    public static FileStream Create() => new(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None,
        81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);

    /// <summary>A spool holding the rest of <paramref name="source"/>, positioned at its start.</summary>
    public static async Task<FileStream> CopyAsync(Stream source, CancellationToken cancellationToken)
    {
        var spool = Create();
        try
        {
            await source.CopyToAsync(spool, cancellationToken);
            spool.Position = 0;
            return spool;
        }
        catch
        {
            await spool.DisposeAsync();
            throw;
        }
    }
}

/// <summary>A read-only view of a stream that, when disposed, disposes what it was handed to dispose (the
/// stream itself, a database reader and its connection …), or nothing: so a reader may dispose what it read
/// without knowing what stands behind it.</summary>
public sealed class ReadView(Stream inner, params IAsyncDisposable[] owned) : Stream
{
    public override bool CanRead => inner.CanRead;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => false;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => inner.Position = value; }
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
    public override int Read(Span<byte> buffer) => inner.Read(buffer);
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);
    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private bool _disposed;

    public override async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var o in owned) await o.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            foreach (var o in owned)
                if (o is IDisposable d) d.Dispose();
                else o.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        base.Dispose(disposing);
    }
}

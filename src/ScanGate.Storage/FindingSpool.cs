using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using ScanGate.Contracts;
using ScanGate.Storage.Reports;

namespace ScanGate.Storage;

public static class FindingStoreReading
{
    public const int PageSize = 1000;

    /// <summary>Every finding of a scan that matches <paramref name="filter"/>, worst first, page by page: the one loop
    /// that reads a whole scan from a store.</summary>
    public static async IAsyncEnumerable<Finding> AllAsync(this IFindingStore store, string scanId, FindingQuery? filter = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var query = (filter ?? new FindingQuery()) with { Limit = PageSize, Cursor = null };
        do
        {
            var page = await store.ListAsync(scanId, query, cancellationToken);
            foreach (var f in page.Items) yield return f;
            query = query with { Cursor = page.NextCursor };
        } while (query.Cursor is not null);
    }
}

/// <summary>
/// A scan's findings read from the store once, into a local temporary file (one JSON line each, in the store's
/// order), so that the verdict and every report of a finishing scan read the file instead of the store again. It
/// serves pages like a store does (<see cref="Source"/>), filtered the same way.
/// </summary>
public sealed class FindingSpool : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.General);
    private readonly FileStream _file;

    private FindingSpool(FileStream file, int count)
    {
        _file = file;
        Count = count;
    }

    public int Count { get; }

    /// <summary>Reads the scan's findings from the store once; <paramref name="each"/> sees every one as it is read.</summary>
    public static async Task<FindingSpool> FillAsync(IFindingStore store, string scanId, Action<Finding> each, CancellationToken cancellationToken = default)
    {
        var file = TempSpool.Create();
        try
        {
            var count = 0;
            await using (var writer = new StreamWriter(file, new UTF8Encoding(false), 65536, leaveOpen: true))
            {
                await foreach (var f in store.AllAsync(scanId, cancellationToken: cancellationToken))
                {
                    each(f);
                    await writer.WriteLineAsync(JsonSerializer.Serialize(f, Json));
                    count++;
                }
            }
            return new FindingSpool(file, count);
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    /// <summary>The spooled findings as a report's source; the cursor is the offset of the next line.</summary>
    public FindingSource Source(FindingQuery? filter = null) => new((query, ct) => ReadPageAsync(query, ct), filter);

    /// <summary>One page from the cursor's line on. The first page (no cursor) also counts every match, as a store's
    /// Total does; later pages stop at the next match after the page.</summary>
    private async Task<FindingPage> ReadPageAsync(FindingQuery query, CancellationToken cancellationToken)
    {
        var first = query.Cursor is null;
        var offset = first ? 0 : long.Parse(query.Cursor!, System.Globalization.CultureInfo.InvariantCulture);
        var items = new List<Finding>(Math.Min(query.Limit, 1000));
        var total = 0;
        string? next = null;
        // A view of the file with its own position, so a page can be read while another reader is part-way.
        using var reader = new StreamReader(new PositionedRead(_file.SafeFileHandle, offset), Encoding.UTF8, false, 65536);
        var position = offset;
        string? line;
        while ((line = await reader.ReadLineAsync(cancellationToken)) is not null)
        {
            var lineStart = position;
            position += Encoding.UTF8.GetByteCount(line) + 1;
            var f = JsonSerializer.Deserialize<Finding>(line, Json)!;
            if (!FindingFilter.Matches(f, query)) continue;
            total++;
            if (items.Count < query.Limit) { items.Add(f); continue; }
            next ??= lineStart.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!first) break;
        }
        return new FindingPage(items, next, first ? total : -1);
    }

    public ValueTask DisposeAsync() => _file.DisposeAsync();

    /// <summary>Reads a file from an offset through its handle, without moving anyone else's position.</summary>
    private sealed class PositionedRead(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long offset) : Stream
    {
        private long _position = offset;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await RandomAccess.ReadAsync(handle, buffer, _position, cancellationToken);
            _position += read;
            return read;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = RandomAccess.Read(handle, buffer.AsSpan(offset, count), _position);
            _position += read;
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

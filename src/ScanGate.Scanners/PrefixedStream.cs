namespace ScanGate.Scanners;

/// <summary>Bytes already read from a stream (to sniff its format), then the rest of it: the stream as it was,
/// for a reader that needs it from the start. Sync reads read the rest synchronously, async reads asynchronously.</summary>
public sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream rest) : Stream
{
    private ReadOnlyMemory<byte> _prefix = prefix;

    public override int Read(byte[] buffer, int offset, int count) =>
        _prefix.IsEmpty ? rest.Read(buffer, offset, count) : TakePrefix(buffer.AsMemory(offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _prefix.IsEmpty ? await rest.ReadAsync(buffer, cancellationToken) : TakePrefix(buffer);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int TakePrefix(Memory<byte> buffer)
    {
        var n = Math.Min(buffer.Length, _prefix.Length);
        _prefix[..n].CopyTo(buffer);
        _prefix = _prefix[n..];
        return n;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

using System.Text;

namespace ScanGate.Grains;

/// <summary>
/// The scan's log as its runs relay it, spooled to a temporary file on the scan's silo (never held in memory)
/// and stored as the scan's "scan.log" artifact when the scan ends. Capped: a tool that floods its output
/// cannot fill the disk.
/// </summary>
public sealed class ScanLogSpool : IDisposable
{
    public const long MaxChars = 32L * 1024 * 1024;
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"scangate-log-{Guid.NewGuid():N}.log");
    private readonly StreamWriter _writer;
    private long _written;
    private long _dropped;

    public ScanLogSpool(string? preface = null)
    {
        var file = new FileStream(_path, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, FileOptions.DeleteOnClose);
        _writer = new StreamWriter(file, new UTF8Encoding(false), 64 * 1024);
        if (preface is not null) Write(preface);
    }

    public void Append(DateTimeOffset at, string scanner, IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            if (_written + line.Length > MaxChars) { _dropped++; continue; }
            Write($"{at:yyyy-MM-ddTHH:mm:ss.fffZ} [{scanner}] {line}");
        }
    }

    private void Write(string line)
    {
        _writer.WriteLine(line);
        _written += line.Length + 1;
    }

    /// <summary>The log so far, from its first byte, as a stream of its own; the spool stays usable.</summary>
    public Stream Read()
    {
        if (_dropped > 0) { Write($"[scangate] {_dropped} log lines dropped beyond the log's limit"); _dropped = 0; }
        _writer.Flush();
        return new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
    }

    public void Dispose() => _writer.Dispose();
}

using System.Formats.Tar;
using System.IO.Compression;

namespace ScanGate.Api.Sources;

/// <summary>Something wrong with an uploaded source: a 400 (or a 413 when <see cref="TooLarge"/>).</summary>
public sealed class SourceArchiveException(string message, bool tooLarge = false) : Exception(message)
{
    public bool TooLarge { get; } = tooLarge;
}

/// <summary>
/// Reads an uploaded source tree: a gzip-compressed tar archive, or files posted one by one. Paths are relative and
/// stay inside the tree (no absolute path, no "..", no link that leads outside); devices and FIFOs are refused; a
/// ".git" directory is left out (the source becomes one commit of its own); sizes and counts are bounded.
/// </summary>
public static class SourceArchive
{
    public static async Task<IReadOnlyList<SourceFile>> ReadTarGzAsync(Stream upload, SourceOptions limits, CancellationToken cancellationToken)
    {
        var buffered = new BufferedStream(upload, 4096);
        var magic = new byte[2];
        if (await buffered.ReadAtLeastAsync(magic, 2, throwOnEndOfStream: false, cancellationToken) < 2 || magic[0] != 0x1f || magic[1] != 0x8b)
            throw new SourceArchiveException("source must be a gzip-compressed tar archive (.tar.gz)");
        var files = new Dictionary<string, SourceFile>(StringComparer.Ordinal);
        long total = 0;
        try
        {
            await using var gzip = new GZipStream(new ScanGate.Scanners.PrefixedStream(magic, buffered), CompressionMode.Decompress);
            await using var tar = new TarReader(gzip);
            while (await tar.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
            {
                if (Normalize(entry.Name) is not { } path) continue; // the archive's root, or inside .git
                switch (entry.EntryType)
                {
                    case TarEntryType.Directory:
                        continue;
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                        total += entry.Length;
                        Check(files.Count + 1, total, limits);
                        var content = new byte[entry.Length];
                        if (entry.DataStream is { } data) await data.ReadExactlyAsync(content, cancellationToken);
                        var executable = (entry.Mode & UnixFileMode.UserExecute) != 0;
                        files[path] = new SourceFile(path, content, executable ? SourceFileKind.Executable : SourceFileKind.Regular);
                        break;
                    case TarEntryType.SymbolicLink:
                        if (!StaysInside(path, entry.LinkName))
                            throw new SourceArchiveException($"the link '{path}' points outside the source ('{entry.LinkName}')");
                        Check(files.Count + 1, total, limits);
                        files[path] = new SourceFile(path, System.Text.Encoding.UTF8.GetBytes(entry.LinkName), SourceFileKind.Symlink);
                        break;
                    case TarEntryType.HardLink:
                        var target = Normalize(entry.LinkName);
                        if (target is null || !files.TryGetValue(target, out var original) || original.Kind == SourceFileKind.Symlink)
                            throw new SourceArchiveException($"the hard link '{path}' does not point to a file earlier in the archive");
                        total += original.Content.Length;
                        Check(files.Count + 1, total, limits);
                        files[path] = original with { Path = path };
                        break;
                    default:
                        throw new SourceArchiveException($"'{path}' is a {entry.EntryType} entry; a source archive holds files, directories and links only");
                }
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new SourceArchiveException($"source is not a valid gzip-compressed tar archive: {ex.Message}");
        }
        return files.Values.ToList();
    }

    /// <summary>Files posted one by one (a pre-commit check): the same rules as an archive's.</summary>
    public static IReadOnlyList<SourceFile> FromFiles(IEnumerable<(string Path, byte[] Content)> posted, SourceOptions limits)
    {
        var files = new Dictionary<string, SourceFile>(StringComparer.Ordinal);
        long total = 0;
        foreach (var (raw, content) in posted)
        {
            var path = Normalize(raw) ?? throw new SourceArchiveException($"'{raw}' is not a file path inside the repository");
            total += content.Length;
            Check(files.Count + 1, total, limits);
            files[path] = new SourceFile(path, content);
        }
        return files.Values.ToList();
    }

    private static void Check(int count, long bytes, SourceOptions limits)
    {
        if (count > limits.MaxFiles) throw new SourceArchiveException($"source has more than {limits.MaxFiles} files", tooLarge: true);
        if (bytes > limits.MaxUnpackedBytes) throw new SourceArchiveException($"source unpacks to more than {limits.MaxUnpackedBytes} bytes", tooLarge: true);
    }

    /// <summary>The path relative to the tree's root with '/' separators; null for the root itself and for anything
    /// inside a ".git" directory. An absolute path or a ".." step is refused.</summary>
    public static string? Normalize(string name)
    {
        if (name.Length > 4096 || name.Any(c => c == '\0' || c == '\\' || char.IsControl(c)))
            throw new SourceArchiveException($"'{Shorten(name)}' is not an acceptable path (too long, or a backslash or control character)");
        if (name.StartsWith('/') || (name.Length > 1 && name[1] == ':'))
            throw new SourceArchiveException($"'{Shorten(name)}' is an absolute path; a source archive holds relative paths only");
        var parts = new List<string>();
        foreach (var part in name.Split('/'))
        {
            if (part is "" or ".") continue;
            if (part == "..") throw new SourceArchiveException($"'{Shorten(name)}' steps out of the source with '..'");
            if (part.Equals(".git", StringComparison.OrdinalIgnoreCase)) return null;
            if (part.Length > 255) throw new SourceArchiveException($"'{Shorten(name)}' has a name longer than 255 characters");
            parts.Add(part);
        }
        return parts.Count == 0 ? null : string.Join('/', parts);
    }

    /// <summary>Whether a symbolic link at <paramref name="path"/> to <paramref name="target"/> resolves inside the tree.</summary>
    private static bool StaysInside(string path, string target)
    {
        if (target.Length == 0 || target.StartsWith('/') || target.Contains('\\') || target.Contains('\0')) return false;
        var depth = path.Count(c => c == '/'); // the link's directory, as steps below the root
        foreach (var part in target.Split('/'))
        {
            if (part is "" or ".") continue;
            depth += part == ".." ? -1 : 1;
            if (depth < 0) return false;
        }
        return true;
    }

    private static string Shorten(string s) => s.Length <= 100 ? s : s[..100] + "…";
}

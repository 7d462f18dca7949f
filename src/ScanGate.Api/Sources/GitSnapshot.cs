using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace ScanGate.Api.Sources;

public enum SourceFileKind { Regular, Executable, Symlink }

/// <summary>One file of an uploaded source tree: a relative path with '/' separators, already validated.</summary>
public sealed record SourceFile(string Path, byte[] Content, SourceFileKind Kind = SourceFileKind.Regular);

/// <summary>
/// A tree of files as a Git repository of one commit on one branch, and the packfile that carries every object of
/// it, so the source can be cloned by a scanner container like any other repository. Objects are written whole
/// (no deltas), which any Git client reads.
/// </summary>
public sealed class GitSnapshot
{
    private const int CommitType = 1, TreeType = 2, BlobType = 3;

    public string Branch { get; }
    public string CommitId { get; }
    public byte[] Pack { get; }
    public int FileCount { get; }

    private GitSnapshot(string branch, string commitId, byte[] pack, int fileCount)
    {
        Branch = branch;
        CommitId = commitId;
        Pack = pack;
        FileCount = fileCount;
    }

    public static GitSnapshot Build(IReadOnlyList<SourceFile> files, string branch, string message, DateTimeOffset at)
    {
        var objects = new Dictionary<string, (int Type, byte[] Content)>(StringComparer.Ordinal);
        string Add(int type, byte[] content)
        {
            var id = IdOf(type, content);
            objects.TryAdd(id, (type, content));
            return id;
        }

        var root = new Directory();
        foreach (var f in files)
        {
            var parts = f.Path.Split('/');
            var dir = root;
            for (var i = 0; i < parts.Length - 1; i++)
            {
                if (dir.Files.ContainsKey(parts[i])) throw new SourceArchiveException($"'{string.Join('/', parts[..(i + 1)])}' is both a file and a directory");
                dir = dir.Directories.TryGetValue(parts[i], out var sub) ? sub : dir.Directories[parts[i]] = new Directory();
            }
            if (dir.Directories.ContainsKey(parts[^1])) throw new SourceArchiveException($"'{f.Path}' is both a file and a directory");
            var mode = f.Kind switch { SourceFileKind.Executable => "100755", SourceFileKind.Symlink => "120000", _ => "100644" };
            dir.Files[parts[^1]] = (mode, Add(BlobType, f.Content));
        }

        var tree = WriteTree(root, Add);
        var time = $"{at.ToUnixTimeSeconds()} +0000";
        var commit = Encoding.UTF8.GetBytes(
            $"tree {tree}\nauthor ScanGate <scangate@localhost> {time}\ncommitter ScanGate <scangate@localhost> {time}\n\n{message}\n");
        var commitId = Add(CommitType, commit);
        return new GitSnapshot(branch, commitId, WritePack(objects.Values), files.Count);
    }

    private sealed class Directory
    {
        public readonly Dictionary<string, Directory> Directories = new(StringComparer.Ordinal);
        public readonly Dictionary<string, (string Mode, string Id)> Files = new(StringComparer.Ordinal);
    }

    /// <summary>A tree object: entries ordered as Git orders them (a directory sorts as if its name ended in '/').</summary>
    private static string WriteTree(Directory dir, Func<int, byte[], string> add)
    {
        var entries = new List<(string SortKey, string Mode, string Name, string Id)>();
        foreach (var (name, sub) in dir.Directories) entries.Add((name + "/", "40000", name, WriteTree(sub, add)));
        foreach (var (name, file) in dir.Files) entries.Add((name, file.Mode, name, file.Id));
        entries.Sort((a, b) => CompareBytes(a.SortKey, b.SortKey));
        using var content = new MemoryStream();
        foreach (var e in entries)
        {
            content.Write(Encoding.UTF8.GetBytes($"{e.Mode} {e.Name}\0"));
            content.Write(Convert.FromHexString(e.Id));
        }
        return add(TreeType, content.ToArray());
    }

    private static int CompareBytes(string a, string b) =>
        Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b));

    private static string TypeName(int type) => type switch { CommitType => "commit", TreeType => "tree", _ => "blob" };

#pragma warning disable CA5350 // Git names its objects by SHA-1; this is the format, not a security choice.
    private static string IdOf(int type, byte[] content)
    {
        var header = Encoding.ASCII.GetBytes($"{TypeName(type)} {content.Length}\0");
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        sha.AppendData(header);
        sha.AppendData(content);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>Packfile version 2: "PACK", version, object count, each object's type and size header and its
    /// zlib-compressed content, then the SHA-1 of all of it.</summary>
    private static byte[] WritePack(IEnumerable<(int Type, byte[] Content)> objects)
    {
        var list = objects.ToList();
        using var pack = new MemoryStream();
        pack.Write("PACK"u8);
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, 2);
        pack.Write(word);
        BinaryPrimitives.WriteUInt32BigEndian(word, (uint)list.Count);
        pack.Write(word);
        foreach (var (type, content) in list)
        {
            long size = content.Length;
            var first = (byte)((type << 4) | (int)(size & 0x0F));
            size >>= 4;
            if (size > 0) first |= 0x80;
            pack.WriteByte(first);
            while (size > 0)
            {
                var b = (byte)(size & 0x7F);
                size >>= 7;
                if (size > 0) b |= 0x80;
                pack.WriteByte(b);
            }
            using (var z = new ZLibStream(pack, CompressionLevel.Fastest, leaveOpen: true)) z.Write(content);
        }
        pack.Write(SHA1.HashData(pack.GetBuffer().AsSpan(0, (int)pack.Length)));
        return pack.ToArray();
    }
#pragma warning restore CA5350
}

using ScanGate.Contracts;

namespace ScanGate.Storage;

/// <summary>The embedded default: artifacts in process memory, gone with the process. It has to hold each
/// artifact whole; the content is copied in before the lock is taken, so a slow writer blocks no reader.</summary>
public sealed class InMemoryArtifactStore(TimeProvider? clock = null) : IArtifactStore
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SortedDictionary<string, (ArtifactInfo Info, byte[] Content)>> _byScan = new(StringComparer.Ordinal);

    public async Task<ArtifactInfo> PutAsync(string scanId, ArtifactDescriptor artifact, Stream content, CancellationToken cancellationToken = default)
    {
        ArtifactNames.Validate(artifact.Name);
        var buffer = new MemoryStream();
        var (size, sha256) = await ArtifactDigest.CopyAsync(content, buffer, cancellationToken);
        var info = new ArtifactInfo
        {
            ScanId = scanId, Name = artifact.Name, Type = artifact.Type, MediaType = artifact.MediaType,
            Size = size, Sha256 = sha256, CreatedAt = ArtifactNames.Now(_clock),
        };
        lock (_gate)
        {
            if (!_byScan.TryGetValue(scanId, out var scan)) _byScan[scanId] = scan = new(StringComparer.Ordinal);
            scan[artifact.Name] = (info, buffer.ToArray());
        }
        return info;
    }

    public Task<IReadOnlyList<ArtifactInfo>> ListAsync(string scanId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
            return Task.FromResult<IReadOnlyList<ArtifactInfo>>(
                _byScan.TryGetValue(scanId, out var scan) ? scan.Values.Select(a => a.Info).ToList() : []);
    }

    public Task<ArtifactContent?> OpenAsync(string scanId, string name, CancellationToken cancellationToken = default)
    {
        lock (_gate)
            return Task.FromResult(_byScan.TryGetValue(scanId, out var scan) && scan.TryGetValue(name, out var a)
                ? new ArtifactContent(a.Info, new MemoryStream(a.Content, writable: false)) // a replaced artifact's readers keep the old bytes
                : null);
    }

    public Task DeleteScanAsync(string scanId, CancellationToken cancellationToken = default)
    {
        lock (_gate) _byScan.Remove(scanId);
        return Task.CompletedTask;
    }
}

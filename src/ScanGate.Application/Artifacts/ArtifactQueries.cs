using ScanGate.Contracts;

namespace ScanGate.Application;

/// <summary>An artifact opened for reading: its metadata as it is now, and the rest of its chunks. Dispose it to end
/// the grain's read.</summary>
public sealed class OpenArtifact(ArtifactInfo info, IAsyncEnumerator<ArtifactChunk> chunks) : IAsyncDisposable
{
    public ArtifactInfo Info => info;

    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ContentAsync()
    {
        while (await chunks.MoveNextAsync()) yield return chunks.Current.Data;
    }

    public ValueTask DisposeAsync() => chunks.DisposeAsync();
}

/// <summary>A scan's artifacts, streamed from the store through the scan's artifacts grain (so a node that is only an
/// Orleans client serves them too).</summary>
public sealed class ArtifactQueries(IGrainFactory grains, ScanQueries scans)
{
    /// <summary>Chunks per grain message while reading: 16 × 64 KiB, at most 1 MiB a message.</summary>
    private const int ChunksPerMessage = 16;

    public async Task<Outcome<IReadOnlyList<ArtifactInfo>>> ListAsync(Caller caller, string scanId)
    {
        if (await scans.GetAsync(caller, scanId) is null) return ScanQueries.NotFound(scanId);
        var artifacts = await grains.GetGrain<IScanArtifactsGrain>(scanId).List();
        return artifacts.OrderBy(a => a.Type).ThenBy(a => a.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>Opens the scan's one artifact of <paramref name="type"/> (named, when it has several).</summary>
    public async Task<Outcome<OpenArtifact>> OpenAsync(Caller caller, string scanId, ArtifactType type, string? name, CancellationToken cancellationToken)
    {
        if (await scans.GetAsync(caller, scanId) is null) return ScanQueries.NotFound(scanId);
        var artifacts = grains.GetGrain<IScanArtifactsGrain>(scanId);
        var names = (await artifacts.List()).Where(a => a.Type == type && (name is null || a.Name == name))
            .Select(a => a.Name).Order(StringComparer.Ordinal).ToList();
        if (names.Count == 0) return NoSuch(scanId, type, name);
        if (names.Count > 1)
            return AppError.Invalid("name", $"scan '{scanId}' has {names.Count} {type.Word()} artifacts; choose one with ?name=: {string.Join(", ", names)}",
                new Dictionary<string, object?> { ["names"] = names });

        var chunks = artifacts.Read(names[0]).WithBatchSize(ChunksPerMessage).GetAsyncEnumerator(cancellationToken);
        // The first chunk is the artifact as it is now: it may have been replaced or removed since the list.
        if (!await chunks.MoveNextAsync() || chunks.Current.Info is not { } info || info.Type != type)
        {
            await chunks.DisposeAsync();
            return NoSuch(scanId, type, name);
        }
        return new OpenArtifact(info, chunks);
    }

    private static AppError NoSuch(string id, ArtifactType type, string? name) =>
        AppError.NotFound(name is null ? $"scan '{id}' has no {type.Word()} artifact" : $"scan '{id}' has no {type.Word()} artifact named '{name}'");
}

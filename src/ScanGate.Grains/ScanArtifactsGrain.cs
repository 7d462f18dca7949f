using System.Runtime.CompilerServices;
using Orleans.Concurrency;
using ScanGate.Contracts;
using ScanGate.Storage;

namespace ScanGate.Grains;

/// <summary>
/// Reads one scan's artifacts out of the silo's artifact store for the API, which may be an Orleans client
/// without a store. A grain keyed by the scan rather than a stateless worker, because the calls that continue
/// an enumeration must reach the activation that holds it. Reentrant: it has no state, and one slow download
/// must not hold up the scan's other reads.
/// </summary>
[Reentrant]
public sealed class ScanArtifactsGrain(IArtifactStore artifacts) : Grain, IScanArtifactsGrain
{
    /// <summary>Bytes per chunk: large enough to keep the number of grain messages down, small enough that a
    /// batch of them (see the API's batch size) stays well under Orleans' message size limit.</summary>
    public const int ChunkBytes = 64 * 1024;

    private string ScanId => this.GetPrimaryKeyString();

    public Task<IReadOnlyList<ArtifactInfo>> List() => artifacts.ListAsync(ScanId);

    public IAsyncEnumerable<ArtifactChunk> Read(string name) => ReadAsync(name);

    // Orleans hands the enumeration's cancellation to GetAsyncEnumerator; the attribute carries it in here.
    private async IAsyncEnumerable<ArtifactChunk> ReadAsync(string name, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var opened = await artifacts.OpenAsync(ScanId, name, cancellationToken);
        if (opened is null) yield break;
        yield return new ArtifactChunk { Info = opened.Info };
        var buffer = new byte[ChunkBytes];
        int read;
        while ((read = await opened.Content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken)) > 0)
            yield return new ArtifactChunk { Data = buffer.AsSpan(0, read).ToArray() }; // a copy: chunks may wait in a batch
    }
}

namespace ScanGate.Contracts;

/// <summary>What an artifact of a scan is. The API's words are snake_case: raw_report, log, sarif, cyclonedx,
/// spdx, csv, html (hence Cyclonedx rather than CycloneDx).</summary>
public enum ArtifactType
{
    /// <summary>A scanner's own report as the tool wrote it, one per scanner (named e.g. "nmap.xml").</summary>
    RawReport,
    /// <summary>The scan's log.</summary>
    Log,
    /// <summary>SARIF 2.1.0.</summary>
    Sarif,
    /// <summary>A CycloneDX 1.5 SBOM.</summary>
    Cyclonedx,
    /// <summary>An SPDX 2.3 SBOM.</summary>
    Spdx,
    Csv,
    Html,
}

/// <summary>What an artifact store knows of one artifact, without its content.</summary>
[GenerateSerializer, Alias("scangate.artifact-info.v1")]
public sealed record ArtifactInfo
{
    [Id(0)] public required string ScanId { get; init; }
    /// <summary>Unique within the scan; the file name a download is offered under.</summary>
    [Id(1)] public required string Name { get; init; }
    [Id(2)] public required ArtifactType Type { get; init; }
    [Id(3)] public required string MediaType { get; init; }
    [Id(4)] public required long Size { get; init; }
    /// <summary>SHA-256 of the content, lower-case hex.</summary>
    [Id(5)] public required string Sha256 { get; init; }
    [Id(6)] public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>One piece of an artifact read through <see cref="IScanArtifactsGrain.Read"/>: the first carries the
/// artifact's metadata (so it matches the content that follows, even while the artifact is being replaced),
/// the rest carry its bytes in order.</summary>
[GenerateSerializer, Alias("scangate.artifact-chunk.v1")]
public sealed record ArtifactChunk
{
    [Id(0)] public ArtifactInfo? Info { get; init; }
    [Id(1)] public byte[] Data { get; init; } = [];
}

/// <summary>The artifacts of one scan, for API nodes that have no store of their own (an API node may be only an
/// Orleans client). Key: the scan id. Holds no state; the store is the truth.</summary>
[Alias("scangate.IScanArtifactsGrain")]
public interface IScanArtifactsGrain : IGrainWithStringKey
{
    /// <summary>The scan's artifacts, metadata only, by name.</summary>
    [Alias("list")] Task<IReadOnlyList<ArtifactInfo>> List();

    /// <summary>Nothing when the artifact is absent; otherwise its metadata, then its content in chunks.</summary>
    [Alias("read")] IAsyncEnumerable<ArtifactChunk> Read(string name);
}

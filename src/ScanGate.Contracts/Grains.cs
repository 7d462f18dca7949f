using Orleans.Concurrency;

namespace ScanGate.Contracts;

/// <summary>One scan: its request, lifecycle, runs, counts and verdict. Key: the scan id.</summary>
[Alias("scangate.IScanGrain")]
public interface IScanGrain : IGrainWithStringKey
{
    /// <summary>Records the scan as queued and asks admission for a slot; <paramref name="rescanOf"/> names the scan it
    /// repeats, if any.</summary>
    [Alias("start")] Task<CommandResult> Start(ScanRequest request, string? rescanOf);
    /// <summary>Answered from memory, even while the scan is busy (finishing, say): a status read never waits.</summary>
    [Alias("get"), AlwaysInterleave] Task<ScanSnapshot?> Get();
    [Alias("pause")] Task<CommandResult> Pause();
    [Alias("resume")] Task<CommandResult> Resume();
    [Alias("stop")] Task<CommandResult> Stop();
    [Alias("cancel")] Task<CommandResult> Cancel();
    /// <summary>Starts a new scan with the same request and links the two.</summary>
    [Alias("rescan")] Task<CommandResult> Rescan();
    /// <summary>Events after <paramref name="afterSequence"/> still held in memory, oldest first.</summary>
    [Alias("events-since"), AlwaysInterleave] Task<IReadOnlyList<ScanEvent>> EventsSince(long afterSequence);

    /// <summary>A page of the scan's findings (empty for an unknown scan).</summary>
    [Alias("findings"), AlwaysInterleave] Task<FindingPage> Findings(FindingQuery query);

    /// <summary>Findings of a report uploaded from a scanner run elsewhere, in batches; the scan must not be over.</summary>
    [Alias("add-uploaded-findings")] Task<CommandResult> AddUploadedFindings(IReadOnlyList<Finding> batch);
    /// <summary>The upload is whole: it counts towards the uploads the scan waits for.</summary>
    [Alias("upload-finished")] Task<CommandResult> UploadFinished(UploadRecord upload);
}

/// <summary>A report uploaded into a scan from a scanner run elsewhere.</summary>
[GenerateSerializer, Alias("scangate.upload-record.v1")]
public sealed record UploadRecord
{
    [Id(0)] public required string Tool { get; init; }
    /// <summary>"sarif", "cyclonedx" or "syft".</summary>
    [Id(1)] public required string Format { get; init; }
    [Id(2)] public int Findings { get; init; }
    [Id(3)] public DateTimeOffset At { get; init; }
    [Id(4)] public long Bytes { get; init; }
}

/// <summary>One scanner container of one scan. Key: "{scanId}/{scanner}".</summary>
[Alias("scangate.IScannerRunGrain")]
public interface IScannerRunGrain : IGrainWithStringKey
{
    [Alias("start")] Task Start(RunSpec spec);
    [Alias("pause")] Task Pause();
    [Alias("resume")] Task Resume();
    /// <summary>Kills the container; keeps (stop) or discards (cancel) the findings.</summary>
    [Alias("halt")] Task Halt(bool keepFindings);
    [Alias("get")] Task<ScannerState?> Get();
    /// <summary>Whether this run still owns the container (used to clean up orphans at silo start).</summary>
    [Alias("owns-container")] Task<bool> OwnsContainer(string containerId);

    static string KeyOf(string scanId, string scanner) => $"{scanId}/{scanner}";
}

using Orleans.Concurrency;

namespace ScanGate.Contracts;

[GenerateSerializer, Alias("scangate.scanner-state.v1")]
public sealed record ScannerState
{
    [Id(0)] public required string Name { get; init; }
    [Id(1)] public RunStatus Status { get; init; } = RunStatus.Pending;
    [Id(2)] public RunPhase Phase { get; init; } = RunPhase.Queued;
    [Id(3)] public int? Percent { get; init; }
    [Id(4)] public string? Error { get; init; }
    [Id(5)] public SeverityCounts Counts { get; init; } = new();
    [Id(6)] public DateTimeOffset? StartedAt { get; init; }
    [Id(7)] public DateTimeOffset? FinishedAt { get; init; }
    /// <summary>How many times the scanner ran again because the silo running it was lost.</summary>
    [Id(8)] public int Reruns { get; init; }
}

/// <summary>A scan as callers see it; answered from grain memory. Immutable: passed without copying.</summary>
[GenerateSerializer, Immutable, Alias("scangate.scan-snapshot.v1")]
public sealed record ScanSnapshot
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required ScanRequest Request { get; init; }
    [Id(2)] public ScanStatus Status { get; init; }
    [Id(3)] public DateTimeOffset CreatedAt { get; init; }
    [Id(4)] public DateTimeOffset? StartedAt { get; init; }
    [Id(5)] public DateTimeOffset? FinishedAt { get; init; }
    [Id(6)] public IReadOnlyList<ScannerState> Scanners { get; init; } = [];
    [Id(7)] public SeverityCounts Counts { get; init; } = new();
    /// <summary>Null until the scan is terminal.</summary>
    [Id(8)] public bool? GatePassed { get; init; }
    [Id(9)] public IReadOnlyList<string> GateReasons { get; init; } = [];
    [Id(10)] public string? RescanOf { get; init; }
    [Id(11)] public string? RescannedAs { get; init; }
    /// <summary>The sequence number of the last event published; SSE resumes after it.</summary>
    [Id(12)] public long Sequence { get; init; }
    /// <summary>Null until the scan is terminal.</summary>
    [Id(13)] public GateVerdict? Verdict { get; init; }
    /// <summary>Uploads received so far (see <see cref="ScanRequest.ExpectedUploads"/>).</summary>
    [Id(14)] public int Uploads { get; init; }
    [Id(15)] public IReadOnlyList<UploadRecord> UploadRecords { get; init; } = [];
}

public enum CommandError { None, NotFound, Conflict, Invalid, Unavailable, QuotaExceeded, Forbidden }

/// <summary>The answer to a lifecycle command: the snapshot after it, or why it was refused.</summary>
[GenerateSerializer, Alias("scangate.command-result.v1")]
public sealed record CommandResult
{
    [Id(0)] public CommandError Error { get; init; }
    [Id(1)] public string? Message { get; init; }
    [Id(2)] public ScanSnapshot? Snapshot { get; init; }

    public bool Ok => Error == CommandError.None;
    public static CommandResult Success(ScanSnapshot s) => new() { Snapshot = s };
    public static CommandResult Fail(CommandError e, string message) => new() { Error = e, Message = message };
}

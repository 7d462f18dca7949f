namespace ScanGate.Contracts;

/// <summary>Names of the streams and providers scans publish on.</summary>
public static class ScanStreams
{
    public const string Provider = "scan-events";
    public const string Namespace = "scan";
}

/// <summary>
/// One event on a scan's progress stream. Every event carries the scan's monotonically
/// increasing sequence number, which SSE clients get back as Last-Event-ID.
/// </summary>
[GenerateSerializer, Alias("scangate.scan-event.v1")]
public sealed record ScanEvent
{
    [Id(0)] public required long Sequence { get; init; }
    /// <summary>status, progress, log, findings, finished.</summary>
    [Id(1)] public required string Type { get; init; }
    [Id(2)] public required DateTimeOffset At { get; init; }
    [Id(3)] public ScanStatus? Status { get; init; }
    [Id(4)] public string? Scanner { get; init; }
    [Id(5)] public RunPhase? Phase { get; init; }
    [Id(6)] public int? Percent { get; init; }
    [Id(7)] public IReadOnlyList<string>? Lines { get; init; }
    [Id(8)] public SeverityCounts? Counts { get; init; }
    [Id(9)] public bool? GatePassed { get; init; }
    [Id(10)] public string? Message { get; init; }
    [Id(11)] public RunStatus? RunStatus { get; init; }

    public const string StatusType = "status";
    public const string ProgressType = "progress";
    public const string LogType = "log";
    public const string FindingsType = "findings";
    public const string FinishedType = "finished";
}

/// <summary>A run's report to its scan: phase and percent as the tool reports them.</summary>
[GenerateSerializer, Alias("scangate.run-progress.v1")]
public sealed record RunProgress
{
    [Id(0)] public required string Scanner { get; init; }
    [Id(1)] public RunStatus Status { get; init; }
    [Id(2)] public RunPhase Phase { get; init; }
    [Id(3)] public int? Percent { get; init; }
    [Id(4)] public IReadOnlyList<string> LogLines { get; init; } = [];
    [Id(5)] public string? Message { get; init; }
}

/// <summary>A run's last word to its scan.</summary>
[GenerateSerializer, Alias("scangate.run-outcome.v1")]
public sealed record RunOutcome
{
    [Id(0)] public required string Scanner { get; init; }
    [Id(1)] public required RunStatus Status { get; init; }
    [Id(2)] public string? Error { get; init; }
    [Id(3)] public SeverityCounts Counts { get; init; } = new();
    [Id(4)] public int? ExitCode { get; init; }
    [Id(5)] public int Reruns { get; init; }
}

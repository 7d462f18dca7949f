namespace ScanGate.Contracts;

/// <summary>A validated request for a scan: the scan type's scanner set is already resolved.</summary>
[GenerateSerializer, Alias("scangate.scan-request.v1")]
public sealed record ScanRequest
{
    [Id(0)] public required string ScanType { get; init; }
    /// <summary>The normalised target.</summary>
    [Id(1)] public required string Target { get; init; }
    [Id(2)] public required string Profile { get; init; }
    [Id(3)] public required IReadOnlyList<string> Scanners { get; init; }
    /// <summary>The gate threshold; null means "none": the gate never fails on severity.</summary>
    [Id(4)] public Severity? FailOnSeverity { get; init; } = Severity.Critical;
    [Id(5)] public string? Branch { get; init; }
    /// <summary>Free-form JSON object from the caller, stored and returned as given.</summary>
    [Id(6)] public string? PipelineContextJson { get; init; }
    [Id(7)] public string OrgId { get; init; } = "default";
    [Id(8)] public string? ProjectKey { get; init; }
    /// <summary>The member who triggered the scan.</summary>
    [Id(9)] public string? TriggeredBy { get; init; }
    /// <summary>Where to POST the signed verdict when the scan ends.</summary>
    [Id(10)] public string? CallbackUrl { get; init; }
    /// <summary>The project schedule that started the scan, when one did.</summary>
    [Id(11)] public string? ScheduleId { get; init; }
    /// <summary>The rest of the gate: counts, category switches, new-only, image-policy mode.</summary>
    [Id(12)] public GateSpec Gate { get; init; } = GateSpec.Default;
    /// <summary>The commit scanned (head of the branch), so later scans can use it as their baseline.</summary>
    [Id(13)] public string? Commit { get; init; }
    /// <summary>Results uploaded from scanners run elsewhere that the scan waits for before it completes.</summary>
    [Id(14)] public int ExpectedUploads { get; init; }
    /// <summary>Scanners that run on a target or profile of their own, derived from the scan's (a URL's host for a port
    /// scan); a scanner not named here runs on <see cref="Target"/> with <see cref="Profile"/>.</summary>
    [Id(15)] public IReadOnlyDictionary<string, ScannerInput> ScannerInputs { get; init; } = new Dictionary<string, ScannerInput>();
    /// <summary>The request named its scanners. Otherwise they are the scan type's defaults, and a default whose image
    /// the silo does not have is skipped rather than run.</summary>
    [Id(16)] public bool ScannersNamed { get; init; }

    /// <summary>The target and profile <paramref name="scanner"/> runs with in this scan.</summary>
    public ScannerInput InputFor(string scanner) =>
        ScannerInputs.TryGetValue(scanner, out var input) ? input : new ScannerInput(Target, Profile);
}

/// <summary>What one scanner of a scan runs on: its target (normalised for its own target kind) and its profile.</summary>
[GenerateSerializer, Alias("scangate.scanner-input.v1")]
public sealed record ScannerInput([property: Id(0)] string Target, [property: Id(1)] string Profile);

/// <summary>What one scanner run is asked to do.</summary>
[GenerateSerializer, Alias("scangate.run-spec.v1")]
public sealed record RunSpec
{
    [Id(0)] public required string ScanId { get; init; }
    [Id(1)] public required string Scanner { get; init; }
    [Id(2)] public required string Target { get; init; }
    [Id(3)] public required string Profile { get; init; }
    [Id(4)] public string? Branch { get; init; }
    [Id(5)] public string OrgId { get; init; } = "default";
    [Id(6)] public string? ProjectKey { get; init; }
}

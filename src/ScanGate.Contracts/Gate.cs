namespace ScanGate.Contracts;

/// <summary>Whether image-policy findings (an image's configuration, not its packages) can fail a gate.</summary>
public enum ImagePolicyMode { Enforce, Audit }

/// <summary>
/// The gate a scan is judged by, besides <see cref="ScanRequest.FailOnSeverity"/>. Unset switches count their
/// category; a switch set to false leaves that category out of the verdict (its findings are still stored).
/// </summary>
[GenerateSerializer, Alias("scangate.gate-spec.v1")]
public sealed record GateSpec
{
    /// <summary>At most this many findings of a severity (exact severity, not "at or above"); more fails the gate.</summary>
    [Id(0)] public IReadOnlyDictionary<Severity, int> MaxCounts { get; init; } = new Dictionary<Severity, int>();
    [Id(1)] public bool? FailOnSast { get; init; }
    /// <summary>Known vulnerabilities in dependencies and packages (category vulnerability).</summary>
    [Id(2)] public bool? FailOnDependency { get; init; }
    [Id(3)] public bool? FailOnIac { get; init; }
    [Id(4)] public bool? FailOnSecrets { get; init; }
    /// <summary>Judge only findings that the project's baseline (<see cref="BaseCommit"/>, else <see cref="BaseBranch"/>) does not have.</summary>
    [Id(5)] public bool NewOnly { get; init; }
    [Id(6)] public string? BaseBranch { get; init; }
    [Id(7)] public string? BaseCommit { get; init; }
    [Id(8)] public ImagePolicyMode ImagePolicy { get; init; } = ImagePolicyMode.Enforce;
    /// <summary>With new_only: the scan of the base this one is judged against, named when it was started for the
    /// purpose; the verdict waits for it to end (at most ScanGate:Uploads:WaitMinutes).</summary>
    [Id(9)] public string? BaselineScanId { get; init; }

    public static GateSpec Default { get; } = new();
}

/// <summary>A scan's verdict: pass or fail with the reasons, and the grade and score of what was found.</summary>
[GenerateSerializer, Alias("scangate.gate-verdict.v1")]
public sealed record GateVerdict
{
    [Id(0)] public bool Passed { get; init; }
    [Id(1)] public IReadOnlyList<string> Reasons { get; init; } = [];
    /// <summary>0–100; see docs/gate.md for the formula.</summary>
    [Id(2)] public int Score { get; init; }
    /// <summary>A–F from the score, capped by the worst severity present.</summary>
    [Id(3)] public string Grade { get; init; } = "A";
    /// <summary>A–D for image scans: how the image's configuration stands against image policy; null otherwise.</summary>
    [Id(4)] public string? ComplianceGrade { get; init; }
    /// <summary>The findings the verdict judged (after switches, triage, baseline and audit).</summary>
    [Id(5)] public SeverityCounts Judged { get; init; } = new();
    /// <summary>With new_only: the findings not in the baseline; otherwise null.</summary>
    [Id(6)] public SeverityCounts? New { get; init; }
    /// <summary>The scan the baseline came from, when new_only found one.</summary>
    [Id(7)] public string? BaselineScanId { get; init; }
}

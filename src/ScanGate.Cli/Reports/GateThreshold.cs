using ScanGate.Cli.Api;
using ScanGate.Cli.Output;

namespace ScanGate.Cli.Reports;

/// <summary>
/// Which findings the gate looks at, and which of them block, as the CI reports show them: a finding is at or
/// above the gate when its severity reaches fail_on_severity or has a max count; it blocks when it reaches
/// fail_on_severity, or its severity is over its max count. Triaged findings (false positive, accepted risk,
/// resolved) are shown but do not block.
/// </summary>
public sealed class GateThreshold(Scan scan)
{
    private readonly int _failOnRank = Format.Rank(scan.FailOnSeverity); // "none" ranks -1: nothing by severity
    private readonly IReadOnlyDictionary<string, int> _max = scan.Gate?.MaxCounts ?? new Dictionary<string, int>();

    public bool Covers(Finding f) => (_failOnRank >= 0 && Format.Rank(f.Severity) >= _failOnRank) || _max.ContainsKey(f.Severity);

    public bool Blocks(Finding f, SeverityCounts judged)
    {
        if (f.Status is "false_positive" or "accepted_risk" or "resolved") return false;
        if (_failOnRank >= 0 && Format.Rank(f.Severity) >= _failOnRank) return true;
        return _max.TryGetValue(f.Severity, out var most) && judged.Of(f.Severity) > most;
    }
}

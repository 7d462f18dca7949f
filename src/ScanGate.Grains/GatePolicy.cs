using ScanGate.Contracts;

namespace ScanGate.Grains;

/// <summary>The verdict CI fails the build on.</summary>
public static class GatePolicy
{
    public static (bool Passed, IReadOnlyList<string> Reasons) Evaluate(
        Severity? failOnSeverity, SeverityCounts counts, IReadOnlyCollection<ScannerState> runs, ScanStatus status)
    {
        var reasons = new List<string>();
        var passed = true;
        if (failOnSeverity is { } threshold)
        {
            var over = counts.AtOrAbove(threshold);
            if (over > 0)
            {
                passed = false;
                reasons.Add($"{over} finding{(over == 1 ? "" : "s")} at or above {threshold.Word()} (fail_on_severity={threshold.Word()})");
            }
            else reasons.Add($"no findings at or above {threshold.Word()} (fail_on_severity={threshold.Word()})");
        }
        else reasons.Add("fail_on_severity is none: findings do not fail the gate");

        foreach (var run in runs.Where(r => r.Status == RunStatus.Failed))
            reasons.Add($"scanner {run.Name} failed: {run.Error}");

        if (status == ScanStatus.Failed)
        {
            passed = false;
            reasons.Add("no scanner completed, so nothing vouches for the target");
        }
        else if (status == ScanStatus.Cancelled)
        {
            passed = false;
            reasons.Add("the scan was cancelled and its findings discarded");
        }
        else if (status == ScanStatus.Stopped)
            reasons.Add("the scan was stopped early: the verdict covers the partial findings only");
        return (passed, reasons);
    }
}

using ScanGate.Contracts;

namespace ScanGate.Grains;

/// <summary>What a scan's findings add up to, for its verdict. Built by paging the findings, never holding them.</summary>
public sealed class GateTally
{
    /// <summary>Findings that count against the target: not triaged away, not in audit mode.</summary>
    public SeverityCounts Standing { get; private set; } = new();
    /// <summary>Findings the gate judges: standing, of a category that is switched on, and new when new_only.</summary>
    public SeverityCounts Judged { get; private set; } = new();
    /// <summary>Standing findings that the baseline does not have (new_only).</summary>
    public SeverityCounts New { get; private set; } = new();
    /// <summary>Image-policy findings, audited or not (the compliance grade).</summary>
    public SeverityCounts ImagePolicy { get; private set; } = new();
    public int Triaged { get; private set; }
    public int Audited { get; private set; }
    public int InBaseline { get; private set; }
    public Dictionary<string, int> SwitchedOff { get; } = new(StringComparer.Ordinal);

    public void Add(Finding f, GateSpec spec, IReadOnlySet<string>? baseline)
    {
        var one = SeverityCounts.Of([f]);
        if (GatePolicy.IsImagePolicy(f)) ImagePolicy = ImagePolicy.Add(one);
        if (f.Status is FindingStatus.FalsePositive or FindingStatus.AcceptedRisk) { Triaged++; return; }
        if (f.AuditOnly || (spec.ImagePolicy == ImagePolicyMode.Audit && GatePolicy.IsImagePolicy(f))) { Audited++; return; }
        Standing = Standing.Add(one);
        if (GatePolicy.SwitchOf(f, spec) is { On: false, Name: var name })
        {
            SwitchedOff[name] = SwitchedOff.GetValueOrDefault(name) + 1;
            return;
        }
        if (baseline is not null)
        {
            if (baseline.Contains(f.Fingerprint)) { InBaseline++; return; }
            New = New.Add(one);
        }
        Judged = Judged.Add(one);
    }
}

/// <summary>
/// The verdict CI fails the build on, with its grade and score. The rules and formulas are written in
/// docs/gate.md; change both together.
/// </summary>
public static class GatePolicy
{
    /// <summary>An image's configuration (dockle, dive and the like), as opposed to its packages.</summary>
    public static bool IsImagePolicy(Finding f) => f.Category == FindingCategories.Misconfiguration && f.Location.Image is not null;

    /// <summary>The category switch that governs a finding, and its setting (unset counts).</summary>
    public static (string Name, bool On)? SwitchOf(Finding f, GateSpec spec) => f.Category switch
    {
        FindingCategories.Sast => ("fail_on_sast", spec.FailOnSast ?? true),
        FindingCategories.Vulnerability => ("fail_on_dependency", spec.FailOnDependency ?? true),
        FindingCategories.Iac => ("fail_on_iac", spec.FailOnIac ?? true),
        FindingCategories.Secret => ("fail_on_secrets", spec.FailOnSecrets ?? true),
        _ => null,
    };

    /// <summary>100 less 25 per critical, 10 per high, 4 per medium and 1 per low finding, never below 0.</summary>
    public static int Score(SeverityCounts c) =>
        (int)Math.Max(0, 100L - 25L * c.Critical - 10L * c.High - 4L * c.Medium - c.Low);

    /// <summary>A ≥ 90, B ≥ 80, C ≥ 70, D ≥ 60, else F; a critical finding caps the grade at D, a high one at B.</summary>
    public static string Grade(int score, SeverityCounts c)
    {
        var grade = score >= 90 ? 'A' : score >= 80 ? 'B' : score >= 70 ? 'C' : score >= 60 ? 'D' : 'F';
        if (c.Critical > 0 && grade < 'D') grade = 'D';
        if (c.High > 0 && grade < 'B') grade = 'B';
        return grade.ToString();
    }

    /// <summary>For image scans, from the worst image-policy finding: A none above info, B low, C medium, D high or critical.</summary>
    public static string ComplianceGrade(SeverityCounts imagePolicy) =>
        imagePolicy.Critical + imagePolicy.High > 0 ? "D" : imagePolicy.Medium > 0 ? "C" : imagePolicy.Low > 0 ? "B" : "A";

    public static GateVerdict Evaluate(Severity? failOnSeverity, GateSpec spec, GateTally tally, IReadOnlyCollection<ScannerState> runs,
        ScanStatus status, bool imageScan, Baseline? baseline = null)
    {
        var reasons = new List<string>();
        var passed = true;
        var judged = tally.Judged;
        var scope = spec.NewOnly ? " new" : "";
        if (failOnSeverity is { } threshold)
        {
            var over = judged.AtOrAbove(threshold);
            if (over > 0)
            {
                passed = false;
                reasons.Add($"{over}{scope} finding{(over == 1 ? "" : "s")} at or above {threshold.Word()} (fail_on_severity={threshold.Word()})");
            }
            else reasons.Add($"no{scope} findings at or above {threshold.Word()} (fail_on_severity={threshold.Word()})");
        }
        else reasons.Add("fail_on_severity is none: findings do not fail the gate by severity");

        foreach (var (severity, max) in spec.MaxCounts.OrderBy(m => m.Key))
        {
            var count = CountOf(judged, severity);
            if (count > max)
            {
                passed = false;
                reasons.Add($"{count}{scope} {severity.Word()} finding{(count == 1 ? "" : "s")}, more than max_counts.{severity.Word()}={max}");
            }
        }

        foreach (var (name, count) in tally.SwitchedOff.OrderBy(s => s.Key, StringComparer.Ordinal))
            reasons.Add($"{count} finding{(count == 1 ? "" : "s")} left out of the verdict by {name}=false");
        if (tally.Triaged > 0) reasons.Add($"{tally.Triaged} finding{(tally.Triaged == 1 ? "" : "s")} triaged as false positive or accepted risk left out");
        if (tally.Audited > 0) reasons.Add($"{tally.Audited} image-policy finding{(tally.Audited == 1 ? "" : "s")} recorded in audit mode (never fail the gate)");
        if (spec.NewOnly)
            reasons.Add(baseline?.ScanId is { } from
                ? $"new_only: {tally.New.Total} new finding{(tally.New.Total == 1 ? "" : "s")} against the baseline scan {from} ({baseline.Describes}); {tally.InBaseline} already there"
                : $"new_only: no completed scan of {baseline?.Describes ?? "the base"} to compare with, so every finding counts as new");

        foreach (var run in runs.Where(r => r.Status == RunStatus.Failed))
            reasons.Add($"scanner {run.Name} failed: {run.Error}");
        foreach (var run in runs.Where(r => r.Status == RunStatus.Skipped))
            reasons.Add($"scanner {run.Name} was skipped, so the verdict does not cover what it checks: {run.Error}");

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

        var score = Score(tally.Standing);
        return new GateVerdict
        {
            Passed = passed, Reasons = reasons, Score = score, Grade = Grade(score, tally.Standing),
            ComplianceGrade = imageScan ? ComplianceGrade(tally.ImagePolicy) : null,
            Judged = judged, New = spec.NewOnly ? tally.New : null, BaselineScanId = baseline?.ScanId,
        };
    }

    private static int CountOf(SeverityCounts c, Severity s) => s switch
    {
        Severity.Critical => c.Critical, Severity.High => c.High, Severity.Medium => c.Medium, Severity.Low => c.Low, _ => c.Info,
    };
}

/// <summary>The scan a new_only gate compares with, and what it is the baseline of ("branch main", "commit 1a2b3c4").</summary>
public sealed record Baseline(string? ScanId, string Describes);

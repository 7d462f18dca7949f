using ScanGate.Contracts;
using ScanGate.Grains;
using ScanGate.Scanners;

namespace ScanGate.Tests.Engine;

/// <summary>Every gate rule, and the score and grade formulas at their boundaries (docs/gate.md).</summary>
public sealed class GatePolicyTests
{
    private static readonly ScannerState Ok = new() { Name = "tool", Status = RunStatus.Completed };
    private static readonly FindingContext Context = new("scn_gate", "tool");
    private static int _next;

    private static Finding F(string category, Severity severity, FindingStatus status = FindingStatus.Open, string? image = null) =>
        Context.Create(category, severity, "t", "rule-" + Interlocked.Increment(ref _next), new FindingLocation { File = "f", Image = image }) with { Status = status };

    private static GateVerdict Judge(IEnumerable<Finding> findings, Severity? failOn = Severity.Critical, GateSpec? spec = null,
        IReadOnlySet<string>? baseline = null, ScanStatus status = ScanStatus.Completed, bool imageScan = false, IReadOnlyCollection<ScannerState>? runs = null)
    {
        spec ??= GateSpec.Default;
        var tally = new GateTally();
        foreach (var f in findings) tally.Add(f, spec, baseline);
        return GatePolicy.Evaluate(failOn, spec, tally, runs ?? [Ok], status, imageScan,
            spec.NewOnly ? new Baseline(baseline is null ? null : "scn_base", "branch main") : null);
    }

    public static TheoryData<string, Finding[], Severity?, GateSpec, bool> Rules => new()
    {
        { "below the threshold passes", [F("sast", Severity.High)], Severity.Critical, GateSpec.Default, true },
        { "at the threshold fails", [F("sast", Severity.High)], Severity.High, GateSpec.Default, false },
        { "above the threshold fails", [F("sast", Severity.Critical)], Severity.Medium, GateSpec.Default, false },
        { "fail_on_severity none passes anything", [F("secret", Severity.Critical)], null, GateSpec.Default, true },
        { "info never fails a low threshold", [F("network", Severity.Info)], Severity.Low, GateSpec.Default, true },
        { "max_counts at the limit passes", [F("sast", Severity.High), F("sast", Severity.High)], null,
            new GateSpec { MaxCounts = new Dictionary<Severity, int> { [Severity.High] = 2 } }, true },
        { "max_counts over the limit fails", [F("sast", Severity.High), F("sast", Severity.High), F("sast", Severity.High)], null,
            new GateSpec { MaxCounts = new Dictionary<Severity, int> { [Severity.High] = 2 } }, false },
        { "max_counts counts its exact severity only", [F("sast", Severity.Critical)], null,
            new GateSpec { MaxCounts = new Dictionary<Severity, int> { [Severity.High] = 0 } }, true },
        { "max_counts of zero criticals fails on one", [F("sast", Severity.Critical)], null,
            new GateSpec { MaxCounts = new Dictionary<Severity, int> { [Severity.Critical] = 0 } }, false },
        { "fail_on_sast=false leaves sast out", [F("sast", Severity.Critical)], Severity.High, new GateSpec { FailOnSast = false }, true },
        { "fail_on_sast=true counts sast", [F("sast", Severity.Critical)], Severity.High, new GateSpec { FailOnSast = true }, false },
        { "fail_on_dependency=false leaves vulnerabilities out", [F("vulnerability", Severity.Critical)], Severity.High, new GateSpec { FailOnDependency = false }, true },
        { "fail_on_iac=false leaves iac out", [F("iac", Severity.Critical)], Severity.High, new GateSpec { FailOnIac = false }, true },
        { "fail_on_secrets=false leaves secrets out", [F("secret", Severity.Critical)], Severity.High, new GateSpec { FailOnSecrets = false }, true },
        { "a switch leaves other categories in", [F("secret", Severity.Critical)], Severity.High, new GateSpec { FailOnSast = false }, false },
        { "false positives are left out", [F("sast", Severity.Critical, FindingStatus.FalsePositive)], Severity.High, GateSpec.Default, true },
        { "accepted risks are left out", [F("sast", Severity.Critical, FindingStatus.AcceptedRisk)], Severity.High, GateSpec.Default, true },
        { "a resolved finding found again counts", [F("sast", Severity.Critical, FindingStatus.Resolved)], Severity.High, GateSpec.Default, false },
        { "image policy enforced fails", [F("misconfiguration", Severity.High, image: "app:1")], Severity.High, GateSpec.Default, false },
        { "image policy in audit mode never fails", [F("misconfiguration", Severity.Critical, image: "app:1")], Severity.Low,
            new GateSpec { ImagePolicy = ImagePolicyMode.Audit }, true },
        { "audit mode leaves image vulnerabilities in", [F("vulnerability", Severity.Critical, image: "app:1")], Severity.High,
            new GateSpec { ImagePolicy = ImagePolicyMode.Audit }, false },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void Gate_rules(string rule, Finding[] findings, Severity? failOn, GateSpec spec, bool passed)
    {
        var verdict = Judge(findings, failOn, spec);
        Assert.True(passed == verdict.Passed, $"{rule}: expected passed={passed}; reasons: {string.Join(" | ", verdict.Reasons)}");
        Assert.NotEmpty(verdict.Reasons);
    }

    [Fact]
    public void New_only_judges_what_the_baseline_does_not_have()
    {
        var old = F("sast", Severity.Critical);
        var fresh = F("sast", Severity.High);
        var spec = new GateSpec { NewOnly = true };

        var verdict = Judge([old, fresh], Severity.Critical, spec, baseline: new HashSet<string> { old.Fingerprint });
        Assert.True(verdict.Passed); // the critical one was already there
        Assert.Equal(1, verdict.New!.High);
        Assert.Equal(0, verdict.New.Critical);
        Assert.Contains(verdict.Reasons, r => r.Contains("1 new finding against the baseline scan scn_base") && r.Contains("1 already there"));

        Assert.False(Judge([old, fresh], Severity.High, spec, baseline: new HashSet<string> { old.Fingerprint }).Passed);
        // No baseline to compare with: everything is new.
        var none = Judge([old], Severity.Critical, spec, baseline: new HashSet<string>());
        Assert.False(none.Passed);
    }

    [Fact]
    public void Failed_stopped_and_cancelled_scans()
    {
        var failedRun = new ScannerState { Name = "testssl", Status = RunStatus.Failed, Error = "timed out after 3 s" };
        var partial = Judge([], runs: [Ok, failedRun]);
        Assert.True(partial.Passed);
        Assert.Contains(partial.Reasons, r => r.Contains("testssl failed: timed out"));
        Assert.False(Judge([], status: ScanStatus.Failed, runs: [failedRun]).Passed);
        Assert.False(Judge([], failOn: null, status: ScanStatus.Cancelled).Passed);
        var stopped = Judge([], status: ScanStatus.Stopped);
        Assert.True(stopped.Passed);
        Assert.Contains(stopped.Reasons, r => r.Contains("stopped early"));
    }

    [Theory]
    [InlineData(0, 0, 0, 0, 100)]
    [InlineData(0, 0, 0, 1, 99)]
    [InlineData(0, 0, 1, 0, 96)]
    [InlineData(0, 1, 0, 0, 90)]
    [InlineData(1, 0, 0, 0, 75)]
    [InlineData(4, 0, 0, 0, 0)]
    [InlineData(5, 3, 0, 0, 0)] // never below 0
    [InlineData(0, 0, 0, 100, 0)]
    public void Score_is_100_less_weighted_counts(int critical, int high, int medium, int low, int score) =>
        Assert.Equal(score, GatePolicy.Score(new SeverityCounts { Critical = critical, High = high, Medium = medium, Low = low, Info = 50 }));

    [Theory]
    [InlineData(100, 0, 0, "A")]
    [InlineData(90, 0, 0, "A")]
    [InlineData(89, 0, 0, "B")]
    [InlineData(80, 0, 0, "B")]
    [InlineData(79, 0, 0, "C")]
    [InlineData(70, 0, 0, "C")]
    [InlineData(69, 0, 0, "D")]
    [InlineData(60, 0, 0, "D")]
    [InlineData(59, 0, 0, "F")]
    [InlineData(0, 0, 0, "F")]
    [InlineData(90, 0, 1, "B")] // a high caps at B
    [InlineData(75, 1, 0, "D")] // a critical caps at D
    [InlineData(40, 1, 0, "F")]
    public void Grade_from_score_capped_by_the_worst_severity(int score, int critical, int high, string grade) =>
        Assert.Equal(grade, GatePolicy.Grade(score, new SeverityCounts { Critical = critical, High = high }));

    [Theory]
    [InlineData(0, 0, 0, 0, "A")]
    [InlineData(0, 0, 0, 3, "B")]
    [InlineData(0, 0, 1, 3, "C")]
    [InlineData(0, 1, 0, 0, "D")]
    [InlineData(1, 0, 0, 0, "D")]
    public void Compliance_grade_from_the_worst_image_policy_finding(int critical, int high, int medium, int low, string grade) =>
        Assert.Equal(grade, GatePolicy.ComplianceGrade(new SeverityCounts { Critical = critical, High = high, Medium = medium, Low = low, Info = 9 }));

    [Fact]
    public void Image_scans_get_a_compliance_grade_even_in_audit_mode_and_others_none()
    {
        var policy = F("misconfiguration", Severity.Medium, image: "app:1");
        var audited = Judge([policy], Severity.Low, new GateSpec { ImagePolicy = ImagePolicyMode.Audit }, imageScan: true);
        Assert.Equal("C", audited.ComplianceGrade);
        Assert.True(audited.Passed);
        Assert.Contains(audited.Reasons, r => r.Contains("audit mode"));
        Assert.Equal(100, audited.Score); // audited findings do not lower the score
        Assert.Null(Judge([policy], imageScan: false).ComplianceGrade);
    }

    [Fact]
    public void Score_and_grade_count_switched_off_categories_but_not_triaged_findings()
    {
        var verdict = Judge([F("sast", Severity.High), F("secret", Severity.Critical, FindingStatus.FalsePositive)], Severity.Low, new GateSpec { FailOnSast = false });
        Assert.True(verdict.Passed);
        Assert.Equal(90, verdict.Score);
        Assert.Equal("B", verdict.Grade);
    }
}

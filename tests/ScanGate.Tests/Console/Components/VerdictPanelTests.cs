using Bunit;
using ScanGate.Contracts;
using ScanGate.WebConsole.Components.Shared;

namespace ScanGate.Tests.Console.Components;

/// <summary>The gate's verdict as a user reads it: passed or failed in words, the reasons, score, grades, new findings.</summary>
public sealed class VerdictPanelTests : ConsoleComponentContext
{
    [Fact]
    public void A_failed_gate_says_so_with_its_reasons_score_grades_and_the_findings_new_against_the_baseline()
    {
        var verdict = new GateVerdict
        {
            Passed = false, Reasons = ["2 critical findings (max 0)", "score 41 is below 70"], Score = 41, Grade = "F", ComplianceGrade = "C",
            Judged = new SeverityCounts { Critical = 2, High = 3 }, New = new SeverityCounts { Critical = 1 }, BaselineScanId = "scn_base",
        };
        var cut = Render<VerdictPanel>(p => p.Add(c => c.Verdict, verdict));

        var panel = cut.Find("[data-testid=verdict]");
        Assert.Equal("false", panel.GetAttribute("data-passed"));
        Assert.Equal("Gate failed", cut.Find("h2").TextContent.Trim());
        var reasons = cut.FindAll("[data-testid=reasons] li").Select(li => li.TextContent.Trim()).ToList();
        Assert.Equal(["2 critical findings (max 0)", "score 41 is below 70"], reasons);
        Assert.Equal("Score 41/100", cut.Find("[data-testid=score]").TextContent.Trim());
        Assert.Equal("Grade F", cut.Find("[data-testid=grade]").TextContent.Trim());
        Assert.Equal("Compliance C", cut.Find("[data-testid=compliance-grade]").TextContent.Trim());
        Assert.Contains("scn_base", cut.Find("[data-testid=new-findings]").TextContent);
        // Judged and new counts, each said in words for a screen reader.
        var counts = cut.FindAll("[data-testid=severity-counts]");
        Assert.Equal(2, counts.Count);
        Assert.NotNull(counts[0].QuerySelector("[aria-label='2 critical']"));
        Assert.NotNull(counts[0].QuerySelector("[aria-label='3 high']"));
        Assert.NotNull(counts[1].QuerySelector("[aria-label='1 critical']"));
    }

    [Fact]
    public void A_passed_gate_says_so_and_shows_no_reasons_compliance_grade_or_baseline_it_does_not_have()
    {
        var cut = Render<VerdictPanel>(p => p.Add(c => c.Verdict, new GateVerdict { Passed = true, Score = 97, Grade = "A" }));

        Assert.Equal("true", cut.Find("[data-testid=verdict]").GetAttribute("data-passed"));
        Assert.Equal("Gate passed", cut.Find("h2").TextContent.Trim());
        Assert.Equal("Score 97/100", cut.Find("[data-testid=score]").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=reasons]"));
        Assert.Empty(cut.FindAll("[data-testid=compliance-grade]"));
        Assert.Empty(cut.FindAll("[data-testid=new-findings]"));
    }

    [Fact]
    public void A_scan_without_a_verdict_yet_shows_nothing()
    {
        var cut = Render<VerdictPanel>(p => p.Add(c => c.Verdict, (GateVerdict?)null));
        Assert.Equal("", cut.Markup.Trim());
    }
}

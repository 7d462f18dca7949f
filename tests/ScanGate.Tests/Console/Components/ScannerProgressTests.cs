using Bunit;
using ScanGate.Contracts;
using ScanGate.WebConsole.Components.Shared;

namespace ScanGate.Tests.Console.Components;

/// <summary>One scanner's progress as a user (and a screen reader) sees it: phase in words, percent, the bar's value.</summary>
public sealed class ScannerProgressTests : ConsoleComponentContext
{
    private IRenderedComponent<ScannerProgress> RenderOf(ScannerState state) => Render<ScannerProgress>(p => p.Add(c => c.Scanner, state));

    [Fact]
    public void A_running_scanner_shows_its_phase_in_words_its_percent_and_a_bar_at_that_value()
    {
        var cut = RenderOf(new ScannerState { Name = "nmap", Status = RunStatus.Running, Phase = RunPhase.Running, Percent = 42 });

        Assert.Contains("nmap", cut.Markup);
        Assert.Contains("scanning", cut.Find("[data-testid=scanner-progress]").TextContent);
        Assert.Equal("42 %", cut.Find("[data-testid=percent]").TextContent.Trim());
        var bar = cut.Find("[role=progressbar]");
        Assert.Equal("42", bar.GetAttribute("aria-valuenow"));
        Assert.Equal("nmap progress", bar.GetAttribute("aria-label"));
        Assert.Equal("running", cut.Find("[data-testid=status]").TextContent.Trim());
    }

    [Fact]
    public void A_completed_scanner_is_at_100_percent_and_done_even_when_the_tool_never_said_a_percent()
    {
        var cut = RenderOf(new ScannerState { Name = "testssl", Status = RunStatus.Completed, Phase = RunPhase.Done, Percent = null });

        Assert.Equal("100 %", cut.Find("[data-testid=percent]").TextContent.Trim());
        Assert.Contains("done", cut.Find("[data-testid=scanner-progress]").TextContent);
        Assert.Equal("100", cut.Find("[role=progressbar]").GetAttribute("aria-valuenow"));
    }

    [Fact]
    public void A_scanner_pulling_its_image_shows_no_percent_it_does_not_know()
    {
        var cut = RenderOf(new ScannerState { Name = "trivy", Status = RunStatus.Running, Phase = RunPhase.Pulling, Percent = null });

        Assert.Contains("pulling the image", cut.Find("[data-testid=scanner-progress]").TextContent);
        Assert.Equal("", cut.Find("[data-testid=percent]").TextContent.Trim());
        Assert.Null(cut.Instance.Percent);
    }

    [Fact]
    public void A_failed_scanner_says_why()
    {
        var cut = RenderOf(new ScannerState { Name = "zap", Status = RunStatus.Failed, Phase = RunPhase.Running, Percent = 30, Error = "the target refused the connection" });

        Assert.Equal("failed", cut.Find("[data-testid=status]").TextContent.Trim());
        Assert.Contains("the target refused the connection", cut.Markup);
        Assert.Equal("30 %", cut.Find("[data-testid=percent]").TextContent.Trim());
    }
}

using Bunit;
using MudBlazor;
using ScanGate.Contracts;
using ScanGate.WebConsole.Components.Shared;

namespace ScanGate.Tests.Console.Components;

/// <summary>The triage panel: nothing to press without a selection and a status; pressed, it asks with both and the note.</summary>
public sealed class TriagePanelTests : ConsoleComponentContext
{
    [Fact]
    public void Set_status_is_disabled_without_a_selection_even_with_a_status_chosen()
    {
        var popovers = Render<MudPopoverProvider>();
        var cut = Render<TriagePanel>(p => p.Add(c => c.SelectedCount, 0));
        Assert.Equal("0 selected", cut.Find("[data-testid=selected-count]").TextContent.Trim());
        Assert.True(SetStatusButton(cut).HasAttribute("disabled"));

        ChooseStatus(cut, popovers, "accepted_risk");
        Assert.True(SetStatusButton(cut).HasAttribute("disabled"));
    }

    [Fact]
    public void With_a_selection_the_button_waits_for_a_status_then_asks_with_the_status_and_the_note()
    {
        var popovers = Render<MudPopoverProvider>();
        var asked = new List<TriageChoice>();
        string? note = null;
        var cut = Render<TriagePanel>(p => p
            .Add(c => c.SelectedCount, 3)
            .Add(c => c.Note, note)
            .Add(c => c.NoteChanged, (string? n) => note = n)
            .Add(c => c.OnTriage, (TriageChoice choice) => asked.Add(choice)));
        Assert.Equal("3 selected", cut.Find("[data-testid=selected-count]").TextContent.Trim());
        Assert.True(SetStatusButton(cut).HasAttribute("disabled"), "no status chosen yet");

        ChooseStatus(cut, popovers, "accepted_risk");
        cut.Find("#triage-note").Change("compensating control in place");
        Assert.Equal("compensating control in place", note); // the page holds the note (and clears it after a triage)
        cut.Render(p => p.Add(c => c.Note, note));
        Assert.False(SetStatusButton(cut).HasAttribute("disabled"));

        SetStatusButton(cut).Click();
        // MudButton hands the click on asynchronously: wait for the ask rather than reading the list at once.
        cut.WaitForAssertion(() => Assert.Single(asked));
        var choice = asked[0];
        Assert.Equal(FindingStatus.AcceptedRisk, choice.Status);
        Assert.Equal("compensating control in place", choice.Note);
    }

    [Fact]
    public void While_a_triage_is_under_way_the_button_is_disabled()
    {
        var popovers = Render<MudPopoverProvider>();
        var cut = Render<TriagePanel>(p => p.Add(c => c.SelectedCount, 1).Add(c => c.Busy, true));
        ChooseStatus(cut, popovers, "false_positive");
        Assert.True(SetStatusButton(cut).HasAttribute("disabled"));
        cut.Render(p => p.Add(c => c.Busy, false));
        Assert.False(SetStatusButton(cut).HasAttribute("disabled"));
    }

    private static AngleSharp.Dom.IElement SetStatusButton(IRenderedComponent<TriagePanel> cut) => cut.Find("[data-testid=triage]");

    /// <summary>Opens the status list and clicks <paramref name="word"/>, as a user does (the list is in MudBlazor's popover layer).</summary>
    private static void ChooseStatus(IRenderedComponent<TriagePanel> cut, IRenderedComponent<MudPopoverProvider> popovers, string word)
    {
        var select = cut.FindComponent<MudSelect<string>>();
        cut.InvokeAsync(select.Instance.OpenMenu).GetAwaiter().GetResult();
        var option = popovers.WaitForElements(".mud-list-item").Single(e => e.TextContent.Trim() == word);
        option.Click();
        cut.WaitForAssertion(() => Assert.Equal(word, select.Instance.Value));
    }
}

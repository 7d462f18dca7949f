using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using ScanGate.Scanners;
using ScanGate.Storage;
using ScanGate.Tests.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ScanGate.Tests.Console;

/// <summary>axe-core (Deque's engine, run in the real chromium) on every page of the console, in both themes: no
/// violation of impact serious or critical.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleAccessibilityTests(ConsoleFixture console, ITestOutputHelper output)
{
    [Theory]
    [InlineData(ColorScheme.Light)]
    [InlineData(ColorScheme.Dark)]
    public async Task Every_console_page_has_no_serious_or_critical_axe_violation(ColorScheme scheme)
    {
        var tenant = await console.Host.CreateTenantAsync("Axe" + Guid.NewGuid().ToString("N")[..6]);
        var project = "axe-" + Guid.NewGuid().ToString("N")[..6];
        using var api = console.Host.ClientFor(tenant.Keys["admin"]);
        // A scan of a port nothing listens on: it exists and has a page, whatever becomes of it.
        var created = await ApiHost.PostJsonAsync(api, "/api/v1/scans", new { scan_type = "network_discovery", target = $"127.0.0.1:{Net.FreePort()}" });
        var scanId = created.GetProperty("id").GetString()!;
        var store = console.Host.Services.GetRequiredService<IFindingStore>();
        var findingsScan = "scn_" + SortableId.New();
        await store.AddAsync(findingsScan, [ConsoleFindingsTests.FindingOf(tenant.OrgId, project, findingsScan, "A", DateTimeOffset.UtcNow)]);

        var page = await console.NewPageAsync(colorScheme: scheme);
        var problems = new List<string>();
        await page.GotoAsync("/signin");
        await Expect(page.GetByLabel("API key")).ToBeVisibleAsync();
        problems.AddRange(await SeriousViolationsAsync(page, scheme, "sign-in"));

        await ConsoleFixture.SignInAsync(page, tenant.Keys["admin"]);
        problems.AddRange(await SeriousViolationsAsync(page, scheme, "dashboard"));

        foreach (var (path, name) in new[] { ("/scans", "Scans"), ("/scans/new", "New scan"), ("/keys", "API keys") })
        {
            await OpenAsync(page, path, name);
            problems.AddRange(await SeriousViolationsAsync(page, scheme, path));
        }

        await OpenAsync(page, $"/findings?project={project}", "Findings");
        await Expect(page.GetByTestId("finding-row")).ToHaveCountAsync(1);
        await page.GetByTestId("finding-title").ClickAsync(); // the detail, open in place, is audited too
        await Expect(page.GetByTestId("finding-detail")).ToBeVisibleAsync();
        problems.AddRange(await SeriousViolationsAsync(page, scheme, "/findings"));

        await page.GotoAsync($"/scans/{scanId}");
        await Expect(page.GetByTestId("target")).ToBeVisibleAsync();
        await ConsoleFixture.WaitInteractiveAsync(page);
        problems.AddRange(await SeriousViolationsAsync(page, scheme, "/scans/{id}"));

        await page.GotoAsync("/no-such-page");
        await Expect(page.GetByTestId("not-found")).ToBeVisibleAsync();
        problems.AddRange(await SeriousViolationsAsync(page, scheme, "not found"));

        foreach (var problem in problems) output.WriteLine(problem);
        Assert.True(problems.Count == 0, $"{problems.Count} serious or critical axe violation(s) in the {scheme} theme:\n" + string.Join("\n", problems));
        await page.Context.CloseAsync();
    }

    private static async Task OpenAsync(IPage page, string path, string heading)
    {
        await page.GotoAsync(path);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = heading, Level = 1 })).ToBeVisibleAsync();
        await ConsoleFixture.WaitInteractiveAsync(page);
    }

    /// <summary>axe's violations of impact serious or critical on what the page shows now, one line per element.</summary>
    private static async Task<IEnumerable<string>> SeriousViolationsAsync(IPage page, ColorScheme scheme, string where)
    {
        // The console's pages take the system's scheme on their first interactive render: wait until they have.
        var toggle = page.GetByTestId("theme-toggle");
        if (await toggle.CountAsync() > 0)
            await Expect(toggle).ToHaveAttributeAsync("aria-label", scheme == ColorScheme.Dark ? "Switch to the light theme" : "Switch to the dark theme");
        // Audit the page as it settles: the theme chosen on the first interactive render (the system's dark scheme)
        // fades the colours in over MudBlazor's 200 ms transitions, and a colour caught halfway is not one a user reads.
        await page.WaitForFunctionAsync("() => !document.getAnimations().some(a => a instanceof CSSTransition)");
        var results = await page.RunAxe();
        return results.Violations
            .Where(v => v.Impact is "serious" or "critical")
            .SelectMany(v => v.Nodes.Select(n => $"{where}: [{v.Impact}] {v.Id}: {v.Help} at {n.Target} {n.Html} {string.Join("; ", n.Any.Select(c => c.Message))}"));
    }
}

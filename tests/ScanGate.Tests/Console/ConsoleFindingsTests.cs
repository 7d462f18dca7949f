using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using ScanGate.Contracts;
using ScanGate.Scanners;
using ScanGate.Storage;
using ScanGate.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ScanGate.Tests.Console;

/// <summary>The findings page: filters, detail, triage of a selection, the carried-over marker, and what a viewer may not do.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleFindingsTests(ConsoleFixture console)
{
    [Fact]
    public async Task Three_findings_are_triaged_at_once_and_a_later_detection_of_one_shows_its_status_carried_over()
    {
        var tenant = await console.Host.CreateTenantAsync("Triage" + Guid.NewGuid().ToString("N")[..6]);
        var project = "console-" + Guid.NewGuid().ToString("N")[..6];
        // Findings as a scanner's run stores them (the finding store is the one the silo uses).
        var store = console.Host.Services.GetRequiredService<IFindingStore>();
        var firstScan = "scn_" + SortableId.New();
        var findings = new[] { "A", "B", "C" }.Select(n => FindingOf(tenant.OrgId, project, firstScan, n, DateTimeOffset.UtcNow)).ToList();
        await store.AddAsync(firstScan, findings);

        var page = await console.NewPageAsync();
        await ConsoleFixture.SignInAsync(page, tenant.Keys["developer"], $"/findings?project={project}");
        var rows = page.GetByTestId("finding-row");
        await Expect(rows).ToHaveCountAsync(3);
        // A finding's detail opens in place.
        await page.GetByTestId("finding-title").First.ClickAsync();
        await Expect(page.GetByTestId("finding-detail")).ToContainTextAsync("app/file-");
        await Expect(page.GetByTestId("finding-detail")).ToContainTextAsync("CVE-2024-0001");

        foreach (var box in await page.GetByTestId("select").AllAsync()) await box.CheckAsync();
        await Expect(page.GetByTestId("selected-count")).ToHaveTextAsync("3 selected");
        await page.GetByTestId("triage-status").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "accepted_risk" }).ClickAsync();
        await page.Locator("#triage-note").FillAsync("compensating control in place");
        await page.GetByTestId("triage").ClickAsync();
        await Expect(page.Locator("[data-testid=finding-row][data-status=accepted_risk]")).ToHaveCountAsync(3);

        // The API sees the same triage, with its note.
        using var api = console.Host.ClientFor(tenant.Keys["developer"]);
        foreach (var f in findings)
        {
            var stored = await api.GetFromJsonAsync<JsonElement>($"/api/v1/findings/{f.Id}");
            Assert.Equal("accepted_risk", stored.GetProperty("status").GetString());
            Assert.Equal("compensating control in place", stored.GetProperty("status_note").GetString());
        }

        // The same finding found again by a later scan keeps the decision, and says it was carried over.
        var laterScan = "scn_" + SortableId.New();
        var again = FindingOf(tenant.OrgId, project, laterScan, "A", DateTimeOffset.UtcNow.AddSeconds(1));
        await store.AddAsync(laterScan, [again]);
        await page.ReloadAsync();
        var laterRow = page.Locator($"[data-testid=finding-row][data-finding-id={again.Id}]");
        await Expect(laterRow).ToHaveAttributeAsync("data-status", "accepted_risk");
        await Expect(laterRow.GetByTestId("carried-over")).ToBeVisibleAsync();
        await ConsoleFixture.ScreenshotAsync(page, "console-findings.png");
        await Expect(page.Locator($"[data-testid=finding-row][data-finding-id={findings[0].Id}]").GetByTestId("carried-over")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_viewer_sees_no_triage_or_trigger_controls_and_the_API_refuses_the_calls_if_forged()
    {
        var tenant = await console.Host.CreateTenantAsync("Viewer" + Guid.NewGuid().ToString("N")[..6]);
        var project = "viewer-" + Guid.NewGuid().ToString("N")[..6];
        var scan = "scn_" + SortableId.New();
        var finding = FindingOf(tenant.OrgId, project, scan, "V", DateTimeOffset.UtcNow);
        await console.Host.Services.GetRequiredService<IFindingStore>().AddAsync(scan, [finding]);

        var page = await console.NewPageAsync();
        await ConsoleFixture.SignInAsync(page, tenant.Keys["viewer"], $"/findings?project={project}");
        await Expect(page.GetByTestId("finding-row")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("triage")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("select")).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "New scan" })).ToHaveCountAsync(0);
        await page.GotoAsync("/scans/new");
        await Expect(page.GetByText("may not start scans")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("start-scan")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();

        // Forged: the viewer's key asks the API directly.
        using var api = console.Host.ClientFor(tenant.Keys["viewer"]);
        using var triage = await api.PatchAsync($"/api/v1/findings/{finding.Id}", new StringContent("""{"status":"resolved"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Forbidden, triage.StatusCode);
        using var trigger = await api.PostAsync("/api/v1/scans", new StringContent("""{"scan_type":"network_discovery","target":"127.0.0.1"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Forbidden, trigger.StatusCode);
        Assert.Equal("open", (await api.GetFromJsonAsync<JsonElement>($"/api/v1/findings/{finding.Id}")).GetProperty("status").GetString());
    }

    internal static Finding FindingOf(string orgId, string project, string scanId, string name, DateTimeOffset detectedAt) => new()
    {
        Id = "fnd_" + SortableId.New(), Fingerprint = $"{project}-{name}", ScanId = scanId, Scanner = "semgrep", Category = FindingCategories.Sast,
        Severity = Severity.High, Title = $"Console finding {name}", Description = "User input reaches a SQL query.", RuleId = "sql-injection",
        Cves = ["CVE-2024-0001"], Cvss = 8.1, Location = new FindingLocation { File = $"app/file-{name}.py", Line = 12 },
        Remediation = "Use parameterised queries.", References = ["https://owasp.org/www-community/attacks/SQL_Injection"],
        DetectedAt = detectedAt, OrgId = orgId, ProjectKey = project,
    };
}

using System.Net;
using System.Net.Sockets;
using Microsoft.Playwright;
using ScanGate.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ScanGate.Tests.Console;

/// <summary>Scans started and steered from the console, with real scanners in Docker, watched without reloading.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleLiveScanTests(ConsoleFixture console)
{
    private static readonly TimeSpan ScanDeadline = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task An_nmap_scan_started_from_the_form_moves_to_100_percent_and_shows_its_verdict_without_a_reload()
    {
        var tenant = await console.Host.CreateTenantAsync("Live" + Guid.NewGuid().ToString("N")[..6]);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var page = await console.NewPageAsync();
        await ConsoleFixture.SignInAsync(page, tenant.Keys["developer"], "/scans/new");
        await page.GetByTestId("scan-type").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "network_discovery" }).ClickAsync();
        // The target is checked as the API checks it, and the reason is shown at the field.
        await page.Locator("#target").FillAsync("-oN/etc/passwd");
        await page.GetByTestId("start-scan").ClickAsync();
        await Expect(page.GetByText("must not start with '-'")).ToBeVisibleAsync();
        await Expect(page).ToHaveURLAsync(console.BaseUrl + "/scans/new");

        await page.Locator("#target").FillAsync($"127.0.0.1:{port}");
        await page.GetByTestId("start-scan").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/scans/scn_[0-9A-Z]{26}$"));
        await page.EvaluateAsync("() => { window.sgSamePage = true; }");

        var nmap = page.Locator("[data-testid=scanner-progress][data-scanner=nmap]");
        await Expect(nmap).ToHaveAttributeAsync("data-percent", "100", new() { Timeout = (float)ScanDeadline.TotalMilliseconds });
        await Expect(page.GetByTestId("verdict")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=status]").First).ToHaveAttributeAsync("data-status", "completed");
        await Expect(page.GetByTestId("grade")).ToContainTextAsync("Grade");
        // The open port nmap found is listed among the findings, on the same page.
        await Expect(page.GetByTestId("findings")).ToContainTextAsync($"127.0.0.1:{port}");
        Assert.True(await page.EvaluateAsync<bool>("() => window.sgSamePage === true"), "the page was reloaded");
        // Finished: rescan is offered, pause no longer is.
        await Expect(page.GetByTestId("pause")).ToBeDisabledAsync();
        await Expect(page.GetByTestId("rescan")).ToBeEnabledAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_testssl_scan_paused_from_its_page_is_paused_in_Docker_and_completes_after_resume()
    {
        var tenant = await console.Host.CreateTenantAsync("Pause" + Guid.NewGuid().ToString("N")[..6]);
        await using var tls = await WeakTlsServer.StartAsync();
        using var api = console.Host.ClientFor(tenant.Keys["developer"]);
        var id = (await ApiHost.PostJsonAsync(api, "/api/v1/scans", new { scan_type = "ssl_security", target = $"127.0.0.1:{tls.Port}", scanners = new[] { "testssl" } }))
            .GetProperty("id").GetString()!;

        var page = await console.NewPageAsync();
        await ConsoleFixture.SignInAsync(page, tenant.Keys["developer"], $"/scans/{id}");
        var testssl = page.Locator("[data-testid=scanner-progress][data-scanner=testssl]");
        await Expect(testssl).ToHaveAttributeAsync("data-phase", "running", new() { Timeout = 120_000 });
        await Expect(page.GetByTestId("resume")).ToBeDisabledAsync();
        await ConsoleFixture.ScreenshotAsync(page, "console-running-scan.png");
        // The dashboard of the same browser lists it among the running scans, and follows it live.
        var dashboard = await page.Context.NewPageAsync();
        await dashboard.GotoAsync("/");
        await ConsoleFixture.WaitInteractiveAsync(dashboard);
        var row = dashboard.Locator($"[data-testid=scan-row][data-scan-id={id}]");
        await Expect(row).ToHaveAttributeAsync("data-status", "running");
        await ConsoleFixture.ScreenshotAsync(dashboard, "console-dashboard.png");

        await page.GetByTestId("pause").ClickAsync();
        await Expect(page.Locator("[data-testid=status]").First).ToHaveAttributeAsync("data-status", "paused");
        await Expect(page.GetByTestId("pause")).ToBeDisabledAsync();
        await Expect(row).ToHaveAttributeAsync("data-status", "paused");

        var container = (await DockerCli.ContainersWithLabelAsync("scangate.scan", id)).Single();
        await WaitForAsync(async () => await DockerCli.InspectAsync(container, "{{.State.Paused}}") == "true", TimeSpan.FromSeconds(30), "the container was never paused");

        await page.GetByTestId("resume").ClickAsync();
        await WaitForAsync(async () => await DockerCli.InspectAsync(container, "{{.State.Paused}}") == "false", TimeSpan.FromSeconds(30), "the container was never resumed");
        await Expect(testssl).ToHaveAttributeAsync("data-percent", "100", new() { Timeout = (float)ScanDeadline.TotalMilliseconds });
        await Expect(page.Locator("[data-testid=status]").First).ToHaveAttributeAsync("data-status", "completed");
        await Expect(page.GetByTestId("verdict")).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, string failure)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(200);
        }
    }
}

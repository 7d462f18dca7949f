using System.Net;
using Microsoft.Playwright;
using ScanGate.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ScanGate.Tests.Console;

/// <summary>The API keys page: a secret shown once, revocation with confirmation, and its effect on a session.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleKeysTests(ConsoleFixture console)
{
    [Fact]
    public async Task A_created_key_is_shown_once_and_revoking_it_stops_its_API_calls_and_its_console_session()
    {
        var tenant = await console.Host.CreateTenantAsync("Keys" + Guid.NewGuid().ToString("N")[..6]);
        var page = await console.NewPageAsync();
        await ConsoleFixture.SignInAsync(page, tenant.Keys["admin"], "/keys");
        // A name is required, and the reason is shown at the field.
        await page.GetByTestId("create-key").ClickAsync();
        await Expect(page.GetByText("name is required")).ToBeVisibleAsync();

        await page.Locator("#key-name").FillAsync("ci pipeline");
        await page.GetByTestId("create-key").ClickAsync();
        var secret = await page.GetByTestId("secret").InnerTextAsync();
        Assert.StartsWith("sgk_", secret);
        var row = page.Locator("[data-testid=key-row]").Filter(new() { HasText = "ci pipeline" });
        await Expect(row).ToHaveAttributeAsync("data-state", "active");
        await Expect(row).ToContainTextAsync("scans:trigger, scans:read");

        // The secret works as an API key, and a reload never shows it again.
        using var api = console.Host.ClientFor(secret);
        using (var ok = await api.GetAsync("/api/v1/scans")) Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        await page.ReloadAsync();
        await ConsoleFixture.WaitInteractiveAsync(page);
        await Expect(row).ToBeVisibleAsync();
        await Expect(page.GetByTestId("secret")).ToHaveCountAsync(0);
        Assert.DoesNotContain(secret, await page.ContentAsync());

        // A console session opened with the new key...
        var other = await console.NewPageAsync();
        await ConsoleFixture.SignInAsync(other, secret, "/scans");

        // ...ends when the key is revoked here (after a confirmation).
        await row.GetByTestId("revoke").ClickAsync();
        await row.GetByTestId("confirm-revoke").ClickAsync();
        await Expect(row).ToHaveAttributeAsync("data-state", "revoked");
        using (var refused = await api.GetAsync("/api/v1/scans")) Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        await ConsoleFixture.ExpectSessionEndedAsync(other, "/scans", TimeSpan.FromSeconds(15));
        await other.Context.CloseAsync();
        await page.Context.CloseAsync();
    }
}

using System.Net;
using Microsoft.Playwright;
using ScanGate.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ScanGate.Tests.Console;

/// <summary>Signing in with a key, the session cookie's rules, signing out, and the pages no one may see.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleSignInTests(ConsoleFixture console)
{
    [Fact]
    public async Task A_key_signs_in_to_an_HttpOnly_strict_session_cookie_and_sign_out_ends_the_session_on_the_server()
    {
        var tenant = await console.Host.CreateTenantAsync("SignIn" + Guid.NewGuid().ToString("N")[..6]);
        var page = await console.NewPageAsync();
        // A page asked for before signing in leads to the sign-in form, and back to itself after it.
        await page.GotoAsync("/scans");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin\\?returnUrl=%2Fscans$"));
        await page.GetByLabel("API key").FillAsync(tenant.Keys["developer"]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(console.BaseUrl + "/scans");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Scans", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("who")).ToContainTextAsync(tenant.OrgId + " · developer");

        var cookie = (await page.Context.CookiesAsync()).Single(c => c.Name == "scangate_session");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.False(cookie.Secure); // plain http here; Secure whenever the request is HTTPS
        Assert.True(cookie.Expires < 0, "a session cookie, forgotten with the browser"); // -1: no Expires
        Assert.DoesNotContain(tenant.Keys["developer"], cookie.Value);

        // The cookie alone opens a page...
        Assert.Equal(HttpStatusCode.OK, await StatusWithCookieAsync(cookie.Value, "/scans"));
        // ...but never the API: the API takes keys, not the console's cookie.
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusWithCookieAsync(cookie.Value, "/api/v1/scans"));

        await ConsoleFixture.WaitInteractiveAsync(page);
        await page.GetByTestId("sign-out").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin\\?signedout=1$"));
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "scangate_session");
        // The same cookie, replayed after sign-out, is refused: the session ended on the server, not only in the browser.
        Assert.Equal(HttpStatusCode.Redirect, await StatusWithCookieAsync(cookie.Value, "/scans"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_wrong_key_is_refused_with_a_message_and_a_form_post_without_its_antiforgery_token_is_refused()
    {
        var page = await console.NewPageAsync();
        await page.GotoAsync("/signin");
        await page.GetByLabel("API key").FillAsync("sgk_" + new string('A', 43));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("unknown, expired or revoked");
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "scangate_session");
        await page.Context.CloseAsync();

        // A valid key posted without the form's antiforgery token (as a cross-site form would) opens nothing.
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = console.Host.BaseAddress };
        using var response = await http.PostAsync("/auth/signin", new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = console.Host.AdminKey }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("antiforgery", await response.Content.ReadAsStringAsync());
        Assert.False(response.Headers.Contains("Set-Cookie") && response.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith("scangate_session")));
        using var signOut = await http.PostAsync("/auth/signout", new FormUrlEncodedContent(new Dictionary<string, string>()));
        Assert.Equal(HttpStatusCode.BadRequest, signOut.StatusCode);
    }

    [Fact]
    public async Task Another_organisations_scan_shows_the_same_not_found_page_as_a_missing_one()
    {
        var mine = await console.Host.CreateTenantAsync("Mine" + Guid.NewGuid().ToString("N")[..6]);
        var theirs = await console.Host.CreateTenantAsync("Theirs" + Guid.NewGuid().ToString("N")[..6]);
        using var theirClient = console.Host.ClientFor(theirs.Keys["developer"]);
        // A scan of a port nothing listens on: it exists, in their organisation, whatever becomes of it.
        var created = await ApiHost.PostJsonAsync(theirClient, "/api/v1/scans", new { scan_type = "network_discovery", target = $"127.0.0.1:{Net.FreePort()}" });
        var theirScan = created.GetProperty("id").GetString()!;

        var page = await console.NewPageAsync();
        await ConsoleFixture.SignInAsync(page, mine.Keys["admin"]);
        var theirs404 = await page.GotoAsync($"/scans/{theirScan}");
        await Expect(page.GetByTestId("not-found")).ToBeVisibleAsync();
        var theirText = await page.GetByTestId("not-found").InnerTextAsync();
        var missing404 = await page.GotoAsync("/scans/scn_01JZZZZZZZZZZZZZZZZZZZZZZZ");
        await Expect(page.GetByTestId("not-found")).ToBeVisibleAsync();
        Assert.Equal(theirText, await page.GetByTestId("not-found").InnerTextAsync());
        Assert.Equal(404, theirs404!.Status);
        Assert.Equal(404, missing404!.Status);
        Assert.DoesNotContain(theirScan, await page.ContentAsync());
        // An address with nothing behind it at all: the same page, and still a 404.
        var nowhere = await page.GotoAsync("/no/such/page");
        Assert.Equal(404, nowhere!.Status);
        Assert.Equal(theirText, await page.GetByTestId("not-found").InnerTextAsync());
        // The API keeps its own answers for its own paths.
        using var api = await console.Host.Http.GetAsync("/api/v1/no-such-thing");
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        Assert.DoesNotContain("<html", await api.Content.ReadAsStringAsync());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task On_a_phone_width_screen_the_navigation_opens_from_the_menu_and_works_from_the_keyboard_and_the_theme_toggles()
    {
        var tenant = await console.Host.CreateTenantAsync("Phone" + Guid.NewGuid().ToString("N")[..6]);
        var page = await console.NewPageAsync(width: 390, height: 844);
        await ConsoleFixture.SignInAsync(page, tenant.Keys["viewer"]);
        var scansLink = page.GetByRole(AriaRole.Link, new() { Name = "Scans", Exact = true });
        await Expect(scansLink).Not.ToBeInViewportAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Show or hide the navigation" }).ClickAsync();
        await Expect(scansLink).ToBeInViewportAsync();
        await scansLink.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(console.BaseUrl + "/scans");
        // A viewer's session offers no way to start a scan.
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "New scan" })).ToHaveCountAsync(0);

        var before = await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");
        await page.GetByTestId("theme-toggle").ClickAsync();
        await Expect(page.Locator("body")).Not.ToHaveCSSAsync("background-color", before);
        // The choice is remembered by this browser.
        await page.ReloadAsync();
        await ConsoleFixture.WaitInteractiveAsync(page);
        await Expect(page.Locator("body")).Not.ToHaveCSSAsync("background-color", before);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_session_stops_working_once_its_key_is_revoked_even_with_the_page_open()
    {
        var tenant = await console.Host.CreateTenantAsync("Revoke" + Guid.NewGuid().ToString("N")[..6]);
        using var admin = console.Host.ClientFor(tenant.Keys["admin"]);
        var created = await ApiHost.PostJsonAsync(admin, "/api/v1/apikeys",
            new { name = "short-lived", scopes = new[] { "scans:read", "findings:read" }, member_id = tenant.Members["developer"] });
        var page = await console.NewPageAsync();
        await ConsoleFixture.SignInAsync(page, created.GetProperty("key").GetString()!, "/scans");

        using var revoked = await admin.DeleteAsync($"/api/v1/apikeys/{created.GetProperty("id").GetString()}");
        Assert.True(revoked.IsSuccessStatusCode, $"revoke answered {(int)revoked.StatusCode}");
        // Within ScanGate:Auth:CacheSeconds (1 s here) the session is refused: a page load goes to the sign-in form...
        await ConsoleFixture.ExpectSessionEndedAsync(page, "/scans", TimeSpan.FromSeconds(15));
        await page.Context.CloseAsync();
    }

    private async Task<HttpStatusCode> StatusWithCookieAsync(string session, string path)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = console.Host.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", "scangate_session=" + session);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }
}

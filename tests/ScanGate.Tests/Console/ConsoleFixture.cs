using Microsoft.Playwright;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Console;

/// <summary>One real silo with the API and the console on Kestrel, and one Debian chromium driven by Playwright,
/// shared by every console test class (each test makes its own organisation, so they do not see each other).</summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    /// <summary>Debian's chromium package; Playwright never downloads a browser here.</summary>
    public const string Chromium = "/usr/bin/chromium";

    public ApiHost Host { get; private set; } = null!;
    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    public string BaseUrl => Host.BaseAddress.ToString().TrimEnd('/');

    public async Task InitializeAsync()
    {
        Host = await ApiHost.StartAsync("--ScanGate:Auth:CacheSeconds", "1");
        // Pages follow real scans and a shared, busy machine: wait for what they show longer than Playwright's 5 s.
        Assertions.SetDefaultExpectTimeout(30_000);
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>A fresh browser context (its own cookies) with a page on the console, sized like a laptop and in the
    /// system's light scheme unless told.</summary>
    public async Task<IPage> NewPageAsync(int width = 1366, int height = 900, ColorScheme colorScheme = ColorScheme.Light)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl, ViewportSize = new ViewportSize { Width = width, Height = height }, ColorScheme = colorScheme,
        });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    /// <summary>Signs in through the sign-in form with <paramref name="key"/> and waits for the console to be interactive.</summary>
    public static async Task SignInAsync(IPage page, string key, string path = "/")
    {
        await page.GotoAsync(path);
        await page.GetByLabel("API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("sign-out")).ToBeVisibleAsync();
        await WaitInteractiveAsync(page);
    }

    /// <summary>Waits until the Blazor circuit is up, so clicks reach the server rather than the prerendered page.</summary>
    public static Task WaitInteractiveAsync(IPage page) =>
        page.WaitForFunctionAsync("() => document.documentElement.dataset.sgInteractive === 'true'");

    /// <summary>Waits until a page load of <paramref name="path"/> is sent to the sign-in form: the session has ended.</summary>
    public static async Task ExpectSessionEndedAsync(IPage page, string path, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            await page.GotoAsync(path);
            if (page.Url.Contains("/signin")) return;
            Assert.True(DateTime.UtcNow < deadline, "the session of a revoked key still opened pages");
            await page.WaitForTimeoutAsync(250); // the next look, not a wait for the condition
        }
    }

    /// <summary>Saves what the page shows into docs/ (docs/console.md shows these), as a person would see it.</summary>
    public static async Task ScreenshotAsync(IPage page, string fileName)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ScanGate.sln"))) dir = dir.Parent;
        if (dir is null) return; // run outside the source tree: nothing to document
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir.FullName, "docs", fileName), FullPage = true });
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        Playwright.Dispose();
        await Host.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleFixture>
{
    public const string Name = "console";
}

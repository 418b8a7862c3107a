using Microsoft.Playwright;

namespace Digest.TestSupport;

/// <summary>
/// Debian's Chromium driven by Playwright. Playwright cannot download its own browsers here, so it
/// launches /usr/bin/chromium; the flags keep it off the network and working as root.
/// </summary>
public sealed class Browser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    readonly IPlaywright _playwright;

    Browser(IPlaywright playwright, IBrowser chromium)
    {
        _playwright = playwright;
        Chromium = chromium;
    }

    public IBrowser Chromium { get; }

    public static async Task<Browser> LaunchAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException("Chromium is not installed: apt-get install chromium (the test command installs it for you).");
        var playwright = await Playwright.CreateAsync();
        var chromium = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
            ],
        });
        return new Browser(playwright, chromium);
    }

    /// <summary>A fresh page at the given width (desktop 1280, phone 375).</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 900)
    {
        var context = await Chromium.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        return await context.NewPageAsync();
    }

    /// <summary>Saves a full-page screenshot under artifacts/screenshots and attaches it to the test.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        var path = Artifacts.PathFor("screenshots", name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        Artifacts.Attach(path, name);
        return path;
    }

    /// <summary>
    /// Collects console errors (CSP violations among them) and script errors. A page answered 400 or
    /// 404 on purpose is reported as a failed load of the document itself, which is not a problem; a
    /// failed stylesheet or script is.
    /// </summary>
    public static List<string> WatchForProblems(IPage page)
    {
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            var documentItself = message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal)
                && message.Location.StartsWith(page.Url, StringComparison.Ordinal);
            if (message.Type == "error" && !documentItself)
                problems.Add($"{message.Text} ({message.Location})");
        };
        page.PageError += (_, error) => problems.Add(error);
        return problems;
    }

    public async ValueTask DisposeAsync()
    {
        await Chromium.DisposeAsync();
        _playwright.Dispose();
    }
}

using System.Globalization;
using Digest.TestSupport;
using Digest.Tests.Digests;
using Microsoft.Playwright;

namespace Digest.Tests.Papers.Site;

/// <summary>
/// The papers site in Chromium, at desktop and phone widths, light and dark: every page
/// screenshotted (artifacts/screenshots/site-*), none scrolling sideways, no console error or CSP
/// violation, every text readable against its background, and the keyboard reaching everything.
/// </summary>
public sealed class SiteBrowserTests
{
    DigestApp _app = null!;
    Uri _base = null!;
    Browser _browser = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        _app = new DigestApp(connectionString, new Dictionary<string, string?> { ["Subscriptions:RequestsPerClientPerMinute"] = "100000" });
        _base = _app.StartOnLoopback();
        await SiteWeek.InsertAsync(connectionString);
        _browser = await Browser.LaunchAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _browser.DisposeAsync();
        await _app.DisposeAsync();
    }

    static IEnumerable<TestCaseData> Views() =>
        from width in new[] { 1280, 375 }
        from scheme in new[] { ColorScheme.Light, ColorScheme.Dark }
        select new TestCaseData(width, scheme);

    [TestCaseSource(nameof(Views))]
    public async Task Every_page_reads_well(int width, ColorScheme scheme)
    {
        var page = await NewPageAsync(width, scheme);
        var problems = Browser.WatchForProblems(page);
        var paper = "papers/" + SiteWeek.TopPaper;

        await VisitAsync(page, "", "home", width, scheme);
        Assert.That(await page.InnerTextAsync("h1"), Is.EqualTo("Digest"));
        Assert.That(await page.Locator(".callout .button", new() { HasText = "Subscribe" }).IsVisibleAsync(), Is.True, "Subscribe is on the first screen");
        Assert.That(await page.Locator(".callout").BoundingBoxAsync() is { } box && box.Y + box.Height < 900, Is.True, "above the fold");
        await page.ClickAsync("li.paper >> nth=0 >> summary");
        Assert.That(await page.Locator("li.paper >> nth=0 >> details").GetAttributeAsync("open"), Is.Not.Null, "the abstract opens in place");
        await Browser.ScreenshotAsync(page, Name("home-abstract-open", width, scheme));

        await VisitAsync(page, "papers/2025-09-05", "day", width, scheme);
        await VisitAsync(page, "papers/2025-09-06", "empty-day", width, scheme);
        await VisitAsync(page, paper, "paper", width, scheme);
        await VisitAsync(page, "search?q=" + Uri.EscapeDataString("fine-tuning -language"), "search", width, scheme);
        await VisitAsync(page, "search?q=" + Uri.EscapeDataString("author:"), "search-error", width, scheme);
        await VisitAsync(page, "papers/2025-99-99", "bad-date", width, scheme);

        await page.GotoAsync(new Uri(_base, paper).ToString());
        await page.ClickAsync("text=Subscribe to papers like this");
        await page.WaitForURLAsync("**/subscribe?topic=*");
        Assert.That(await page.InputValueAsync("#topics"), Is.EqualTo("\"reward model\" or \"preference optimization\" or \"value function\""));
        await page.Locator("#topics-preview p").First.WaitForAsync();
        await CheckAsync(page, "subscribe-prefilled", width, scheme);

        Assert.That(problems, Is.Empty, "no console errors and no CSP violations");
    }

    [Test]
    public async Task The_keyboard_reaches_the_search_the_papers_and_their_abstracts()
    {
        var page = await NewPageAsync(375, ColorScheme.Light);
        await page.GotoAsync(_base.ToString());

        await page.Keyboard.PressAsync("Tab");
        Assert.That(await ActiveAsync(page), Is.EqualTo("Skip to content"));
        await page.Keyboard.PressAsync("Tab");
        Assert.That(await ActiveAsync(page), Is.EqualTo("Today"));
        await page.Keyboard.PressAsync("Tab");
        Assert.That(await ActiveAsync(page), Is.EqualTo("Subscribe"));
        await page.Keyboard.PressAsync("Tab");
        Assert.That(await page.EvaluateAsync<string>("document.activeElement.id"), Is.EqualTo("site-search"));
        await page.Keyboard.TypeAsync("diffusion");
        // Registered before the key press, which (unlike a click) does not wait for the navigation it
        // starts: a wait begun afterwards can miss the commit on a loaded machine.
        var searched = page.WaitForURLAsync("**/search?q=diffusion");
        await page.Keyboard.PressAsync("Enter");
        await searched;
        Assert.That(await page.Locator("li.paper").CountAsync(), Is.GreaterThan(0));

        await page.GotoAsync(_base.ToString());
        await page.FocusAsync("li.paper >> nth=0 >> summary");
        await page.Keyboard.PressAsync("Enter");
        Assert.That(await page.Locator("li.paper >> nth=0 >> details").GetAttributeAsync("open"), Is.Not.Null, "Enter opens the abstract");
        var focusVisible = await page.EvaluateAsync<string>("getComputedStyle(document.activeElement).outlineStyle");
        Assert.That(focusVisible, Is.Not.EqualTo("none"), "focus is visible");
    }

    async Task<IPage> NewPageAsync(int width, ColorScheme scheme)
    {
        var context = await _browser.Chromium.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = 900 },
            ColorScheme = scheme,
        });
        // The machine is shared with other builds: give a loaded Chromium more than Playwright's 30 s.
        context.SetDefaultTimeout(90_000);
        return await context.NewPageAsync();
    }

    async Task VisitAsync(IPage page, string path, string name, int width, ColorScheme scheme)
    {
        await page.GotoAsync(new Uri(_base, path).ToString());
        await CheckAsync(page, name, width, scheme);
    }

    static async Task CheckAsync(IPage page, string name, int width, ColorScheme scheme)
    {
        await Browser.ScreenshotAsync(page, Name(name, width, scheme));
        Assert.That(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth > window.innerWidth"), Is.False, $"{name} scrolls sideways at {width} px");
        var contrast = await page.EvaluateAsync<string>(DigestBrowserTests.LowestContrast);
        Assert.That(double.Parse(contrast.Split(' ')[0], CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(4.5), $"{name} ({scheme}): {contrast}");
    }

    static Task<string> ActiveAsync(IPage page) => page.EvaluateAsync<string>("document.activeElement.textContent.trim()");

    static string Name(string page, int width, ColorScheme scheme) => $"site-{page}-{width}-{scheme.ToString().ToLowerInvariant()}";
}

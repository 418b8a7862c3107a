using System.Globalization;
using System.Text.RegularExpressions;
using Dapper;
using Digest.Digests;
using Digest.Subscriptions.Tests.Harness;
using Microsoft.Playwright;

namespace Digest.Subscriptions.Tests.Browser;

/// <summary>
/// The path the papers site is for, in Chromium: the home page, a search, "Subscribe to this search"
/// (the form filled with it), confirm; then the next digest, whose entries link to the papers' pages
/// (here, or the paper's own page elsewhere), and whose view-in-browser copy grants no rights.
/// </summary>
public sealed class PapersJourneyTests
{
    const string Email = "reader@example.org";

    TestService _service = null!;
    TestSupport.Browser _browser = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _service = await TestService.StartAsync(new Dictionary<string, string?> { ["Digests:PollInterval"] = "00:00:00.200" }, onLoopback: true);
        _browser = await TestSupport.Browser.LaunchAsync();
        // Listed today, first seen a little before now by the database's clock (the digest's windows follow it).
        await _service.ExecuteAsync("""
            INSERT INTO papers (id, title, abstract, authors, categories, keywords, page_url, upvotes, listed_at, first_seen_at) VALUES
            ('local-00000000000000a1', 'Diffusion Models Are Secretly Good Planners', 'We study diffusion models for planning.', '{"A. Author"}', '{cs.LG}', '{}', NULL, 42, now(), now() - interval '10 minutes'),
            ('2511.00002', 'Consistency Distillation for Fast Diffusion Sampling', 'Fewer steps for diffusion.', '{"B. Author"}', '{cs.CV}', '{diffusion}', 'https://huggingface.co/papers/2511.00002', 17, now(), now() - interval '10 minutes'),
            ('2511.00003', 'Reward Models Under Distribution Shift', 'RLHF reward models generalise poorly.', '{"C. Author"}', '{cs.CL}', '{}', NULL, 30, now(), now() - interval '10 minutes')
            """);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _browser.DisposeAsync();
        await _service.DisposeAsync();
    }

    [Test]
    public async Task Home_search_subscribe_to_this_search_confirm_and_the_digest_links_to_the_paper_pages()
    {
        await using var context = await _browser.Chromium.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 375, Height = 900 },
            TimezoneId = "UTC",
            BaseURL = _service.BaseAddress!.ToString(),
        });
        context.SetDefaultTimeout(90_000);
        var page = await context.NewPageAsync();
        var problems = TestSupport.Browser.WatchForProblems(page);

        await page.GotoAsync("/");
        Assert.That(await page.Locator("li.paper h3").AllInnerTextsAsync(), Is.EqualTo(new[]
        {
            "Diffusion Models Are Secretly Good Planners", "Reward Models Under Distribution Shift", "Consistency Distillation for Fast Diffusion Sampling",
        }));
        await page.FillAsync("#site-search", "diffusion -reward");
        // Registered before the key press, which (unlike a click) does not wait for the navigation it
        // starts: a wait begun afterwards can miss the commit (see the keyboard test).
        var searched = page.WaitForURLAsync("**/search?q=*");
        await page.PressAsync("#site-search", "Enter");
        await searched;
        Assert.That(await page.Locator("li.paper h3").AllInnerTextsAsync(), Has.Count.EqualTo(2));
        await page.ClickAsync("text=Subscribe to this search");
        await page.WaitForURLAsync("**/subscribe?topic=*");
        Assert.That(await page.InputValueAsync("#topics"), Is.EqualTo("diffusion -reward"));

        // Delivery at the next whole hour (UTC), so the first digest is due as soon as the clock passes it.
        var now = _service.Clock.GetUtcNow();
        var delivery = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(1);
        await page.FillAsync("#email", Email);
        await page.SelectOptionAsync("#hour", delivery.Hour.ToString(CultureInfo.InvariantCulture));
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync("**/check-your-inbox");
        await page.GotoAsync((await Inbox.WaitForAsync(_service, Email)).Single().Link("/confirm/"));
        await page.ClickAsync("text=Confirm my subscription");
        await page.WaitForSelectorAsync("h1:has-text('You are subscribed')");

        _service.Clock.Set(delivery.AddMinutes(1));
        var plan = await _service.Service<DigestPlanner>().PlanAsync();
        Assert.That(plan.Queued, Is.EqualTo(1));
        var digest = (await Inbox.WaitForAsync(_service, Email, count: 2, timeout: TimeSpan.FromSeconds(60)))[1];

        // The entries' titles (the links row's "Paper page", "PDF" and "Code" are styled apart).
        var links = Regex.Matches(digest.Html, "<a href=\"(?<href>[^\"]+)\" style=\"color:#1d4ed8;text-decoration:none;\">(?<title>[^<]+)</a>").ToDictionary(m => m.Groups["title"].Value, m => m.Groups["href"].Value);
        Assert.That(links.Keys, Is.EquivalentTo(new[] { "Diffusion Models Are Secretly Good Planners", "Consistency Distillation for Fast Diffusion Sampling" }), digest.Html);
        Assert.That(links["Diffusion Models Are Secretly Good Planners"], Is.EqualTo(new Uri(_service.BaseAddress!, "papers/local-00000000000000a1").ToString()), "a paper with no page elsewhere links here");
        Assert.That(links["Consistency Distillation for Fast Diffusion Sampling"], Is.EqualTo("https://huggingface.co/papers/2511.00002"));
        Assert.That(digest.Text, Does.Contain("Paper: " + new Uri(_service.BaseAddress!, "papers/local-00000000000000a1")));

        await page.GotoAsync(links["Diffusion Models Are Secretly Good Planners"]);
        Assert.That(await page.InnerTextAsync("h1"), Is.EqualTo("Diffusion Models Are Secretly Good Planners"));
        await TestSupport.Browser.ScreenshotAsync(page, "papers-journey-paper-from-digest-375");

        // The view-in-browser copy: the mail without anything that acts on the subscription.
        await page.GotoAsync(digest.Link("/issues/"));
        await TestSupport.Browser.ScreenshotAsync(page, "papers-journey-view-in-browser-375");
        var hrefs = await page.EvaluateAsync<string[]>("Array.from(document.querySelectorAll('a')).map(a => a.href)");
        Assert.That(hrefs, Has.None.Contain("/manage/").And.None.Contain("/unsubscribe/"));
        Assert.That(await page.InnerTextAsync("body"), Does.Contain("This is a shareable copy"));
        Assert.That(problems, Is.Empty);
    }
}

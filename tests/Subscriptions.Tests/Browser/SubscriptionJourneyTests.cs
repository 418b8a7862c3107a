using Dapper;
using Digest.Subscriptions.Tests.Harness;
using Digest.TestSupport;
using Microsoft.Playwright;

namespace Digest.Subscriptions.Tests.Browser;

/// <summary>
/// A person's whole journey in Chromium: subscribe (with the live preview and the zone guess),
/// read the confirmation mail, confirm, manage, change topics, unsubscribe; every page
/// screenshotted at the given width (artifacts/screenshots/subscriptions-*).
/// </summary>
public sealed class SubscriptionJourneyTests
{
    TestService _service = null!;
    TestSupport.Browser _browser = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _service = await TestService.StartAsync(onLoopback: true);
        _browser = await TestSupport.Browser.LaunchAsync();
        var now = _service.Clock.GetUtcNow();
        await using var connection = await _service.OpenAsync();
        await connection.ExecuteAsync("""
            INSERT INTO papers (id, title, abstract, authors, categories, upvotes, listed_at, first_seen_at)
            VALUES (@Id, @Title, @Abstract, @Authors, @Categories, @Upvotes, @Seen, @Seen)
            """, new[]
        {
            new { Id = "2511.00001", Title = "Diffusion Models Are Secretly Good Planners", Abstract = "We study diffusion models for planning.", Authors = new[] { "A. Author" }, Categories = new[] { "cs.LG" }, Upvotes = 42, Seen = now.AddDays(-1) },
            new { Id = "2511.00002", Title = "Consistency Distillation for Fast Diffusion Sampling", Abstract = "Fewer steps for diffusion.", Authors = new[] { "B. Author" }, Categories = new[] { "cs.CV" }, Upvotes = 17, Seen = now.AddDays(-2) },
            new { Id = "2511.00003", Title = "Reward Models Under Distribution Shift", Abstract = "RLHF reward models generalise poorly.", Authors = new[] { "C. Author" }, Categories = new[] { "cs.CL" }, Upvotes = 30, Seen = now.AddDays(-1) },
        });
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _browser.DisposeAsync();
        await _service.DisposeAsync();
    }

    [TestCase(1280)]
    [TestCase(375)]
    public async Task Subscribe_confirm_manage_change_topics_and_unsubscribe(int width)
    {
        var email = $"journey{width}@example.org";
        await using var context = await _browser.Chromium.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = 900 },
            TimezoneId = "America/New_York",
            BaseURL = _service.BaseAddress!.ToString(),
        });
        // The machine is shared with other builds: give a loaded Chromium more than Playwright's 30 s.
        context.SetDefaultTimeout(90_000);
        var page = await context.NewPageAsync();
        var problems = WatchForProblems(page);

        // The form: the zone is guessed from the browser, the preview follows the typing.
        await page.GotoAsync("/subscribe");
        Assert.That(await page.InputValueAsync("#zone"), Is.EqualTo("America/New_York"));
        await page.FillAsync("#email", "not an address");
        await page.Locator("#topics").PressSequentiallyAsync("diffusion\nreward models");
        await page.Locator("#topics-preview p").First.WaitForAsync();
        await page.WaitForFunctionAsync("document.getElementById('topics-preview').innerText.includes('reward models — 1 paper')");
        Assert.That(await page.InnerTextAsync("#topics-preview"), Does.Contain("diffusion — 2 papers").And.Contain("Diffusion Models Are Secretly Good Planners"));
        await Screenshot(page, "subscribe", width);

        // A mistake: the summary is focused, the field says what is wrong.
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("#error-summary");
        Assert.That(await page.EvaluateAsync<string>("document.activeElement.id"), Is.EqualTo("error-summary"));
        Assert.That(await page.GetAttributeAsync("#email", "aria-describedby"), Is.EqualTo("email-error"));
        Assert.That(await page.InputValueAsync("#zone"), Is.EqualTo("America/New_York"), "the zone sent is kept");
        await Screenshot(page, "subscribe-error", width);

        await page.FillAsync("#email", email);
        await page.CheckAsync("#frequency-weekly");
        await page.SelectOptionAsync("#weekday", "5");
        await page.SelectOptionAsync("#hour", "8");
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync("**/check-your-inbox");
        await Screenshot(page, "check-your-inbox", width);

        // The confirmation mail: its HTML part as a mail program shows it, then its link.
        var mail = (await Inbox.WaitForAsync(_service, email)).Single();
        Assert.That(mail.Text, Does.Contain("every Friday at 08:00 (America/New_York)"));
        var mailPage = await context.NewPageAsync();
        await mailPage.SetContentAsync(mail.Html);
        await Screenshot(mailPage, "email-confirmation", width);
        await mailPage.CloseAsync();

        await page.GotoAsync(mail.Link("/confirm/"));
        await Screenshot(page, "confirm", width);
        Assert.That(await StatusAsync(email), Is.EqualTo("pending"), "opening the link confirms nothing");
        await page.ClickAsync("text=Confirm my subscription");
        await page.WaitForSelectorAsync("h1:has-text('You are subscribed')");
        await Screenshot(page, "confirmed", width);
        Assert.That(await StatusAsync(email), Is.EqualTo("active"));

        // Manage: change the topics.
        await page.ClickAsync("text=Manage your subscription");
        await page.WaitForURLAsync("**/manage/*");
        Assert.That(await page.InputValueAsync("#topics"), Is.EqualTo("diffusion\nreward models"));
        await Screenshot(page, "manage", width);
        await page.FillAsync("#topics", "consistency distillation category:cs.CV");
        await page.ClickAsync("text=Save changes");
        await page.WaitForSelectorAsync("text=Your changes are saved.");
        await Screenshot(page, "manage-saved", width);
        Assert.That(await TopicsAsync(email), Is.EqualTo("consistency distillation cs.CV"));

        // Unsubscribe through the page.
        await page.ClickAsync("text=Unsubscribe from Digest");
        await page.WaitForURLAsync("**/unsubscribe/*");
        await Screenshot(page, "unsubscribe", width);
        Assert.That(await StatusAsync(email), Is.EqualTo("active"), "the page asks first");
        await page.ClickAsync("button:has-text('Unsubscribe')");
        await page.WaitForSelectorAsync("h1:has-text('You are unsubscribed')");
        await Screenshot(page, "unsubscribed", width);
        Assert.That(await StatusAsync(email), Is.EqualTo("unsubscribed"));

        Assert.That(problems, Is.Empty, "no console errors and no CSP violations");
    }

    [TestCase(1280)]
    [TestCase(375)]
    public async Task The_other_pages_read_well(int width)
    {
        var email = $"other{width}@example.org";
        using var client = _service.Client();
        await Subscribers.ActiveAsync(_service, client, email);
        var manage = (await Subscribers.LinksAsync(_service, email)).Manage;
        var page = await _browser.NewPageAsync(width);
        page.Context.SetDefaultTimeout(90_000);
        var problems = WatchForProblems(page);

        await page.GotoAsync(new Uri(_service.BaseAddress!, "categories").ToString());
        await Screenshot(page, "categories", width);
        await page.GotoAsync(new Uri(_service.BaseAddress!, "manage/not-a-real-token").ToString());
        await Screenshot(page, "error-link", width);

        await page.GotoAsync(new Uri(_service.BaseAddress!, manage.PathAndQuery).ToString());
        await page.ClickAsync("text=Pause the digest");
        await page.WaitForSelectorAsync("text=Resume the digest");
        await Screenshot(page, "manage-paused", width);
        await page.ClickAsync("button:has-text('Delete my data')");
        await page.WaitForSelectorAsync("#confirm-error");
        await Screenshot(page, "manage-delete-unticked", width);
        await page.CheckAsync("#confirm");
        await page.ClickAsync("button:has-text('Delete my data')");
        await page.WaitForSelectorAsync("h1:has-text('Your data is deleted')");
        await Screenshot(page, "deleted", width);

        Assert.That(await _service.ScalarAsync<int>("SELECT count(*) FROM subscribers WHERE email = @email", new { email }), Is.Zero);
        Assert.That(problems, Is.Empty);
    }

    [Test]
    public async Task The_form_works_with_the_keyboard_alone_and_every_control_has_a_label()
    {
        var page = await _browser.NewPageAsync(320);
        page.Context.SetDefaultTimeout(90_000);
        await page.GotoAsync(new Uri(_service.BaseAddress!, "subscribe").ToString());

        var unlabelled = await page.EvaluateAsync<string[]>("""
            Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))
              .filter(e => e.labels.length === 0).map(e => e.id || e.name)
            """);
        Assert.That(unlabelled, Is.Empty);
        Assert.That(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth > window.innerWidth"), Is.False, "readable at 320 px");

        await page.Keyboard.PressAsync("Tab");
        Assert.That(await page.EvaluateAsync<string>("document.activeElement.textContent"), Is.EqualTo("Skip to content"));
        await page.Keyboard.PressAsync("Enter");
        await page.Keyboard.PressAsync("Tab");
        Assert.That(await page.EvaluateAsync<string>("document.activeElement.id"), Is.EqualTo("email"));
        await page.Keyboard.TypeAsync("keyboard@example.org");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Tab"); // past the categories link in the hint
        Assert.That(await page.EvaluateAsync<string>("document.activeElement.id"), Is.EqualTo("topics"));
        await page.Keyboard.TypeAsync("reward models");
        await page.FocusAsync("button[type=submit]");
        // A key press, unlike a click, returns before the navigation it starts has committed, and
        // WaitForURLAsync only subscribes after it has read the current URL (a window that grows
        // on a loaded machine): a commit in that window is missed. So the wait is registered first.
        var submitted = page.WaitForURLAsync("**/check-your-inbox");
        await page.Keyboard.PressAsync("Enter");
        await submitted;

        Assert.That(await StatusAsync("keyboard@example.org"), Is.EqualTo("pending"));
    }

    static List<string> WatchForProblems(IPage page) => TestSupport.Browser.WatchForProblems(page);

    static async Task Screenshot(IPage page, string name, int width)
    {
        await TestSupport.Browser.ScreenshotAsync(page, $"subscriptions-{name}-{width}");
        Assert.That(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth > window.innerWidth"), Is.False, $"{name} scrolls sideways at {width} px");
    }

    Task<string> StatusAsync(string email) => Subscribers.StatusAsync(_service, email);

    Task<string> TopicsAsync(string email) => _service.ScalarAsync<string>("""
        SELECT string_agg(t.query || coalesce(' ' || t.category, ''), ', ' ORDER BY st.position)
        FROM subscriber_topics st JOIN topics t ON t.id = st.topic_id JOIN subscribers s ON s.id = st.subscriber_id WHERE s.email = @email
        """, new { email });
}

using Digest.Admin;
using Digest.TestSupport;
using Microsoft.Playwright;

namespace Digest.Tests.Admin;

/// <summary>The console in Chromium, at a desktop's and a phone's width: sign in, a wrong password, the lockout, lifting a suppression.</summary>
[TestFixture(1280)]
[TestFixture(375)]
public sealed class ConsoleBrowserTests(int width)
{
    ConsoleSite _site = null!;
    Browser _browser = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        // Plain http on loopback, as a browser reaches the test server: the cookie cannot be Secure here.
        _site = await ConsoleSite.StartAsync(new Dictionary<string, string?> { ["Digest:PublicUrl"] = null }, onLoopback: true);
        _browser = await Browser.LaunchAsync();
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _browser.DisposeAsync();
        await _site.DisposeAsync();
    }

    [SetUp]
    public Task ForgetFailedSignIns() => _site.ExecuteAsync("DELETE FROM admin_sign_in_failures");

    string Url(string path) => new Uri(_site.BaseAddress!, path).ToString();

    [Test]
    public async Task An_operator_signs_in_reads_the_overview_and_lifts_a_suppression()
    {
        var page = await _browser.NewPageAsync(width);

        await page.GotoAsync(Url(AdminPaths.Suppressions));
        Assert.That(new Uri(page.Url).AbsolutePath, Is.EqualTo(AdminPaths.SignIn), "no session: the sign-in, not the list");
        await Browser.ScreenshotAsync(page, $"admin-sign-in-{width}");

        await page.FillAsync("#password", _site.Password);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(Url(AdminPaths.Overview));
        Assert.That(await page.InnerTextAsync("h1"), Is.EqualTo("Overview"));
        Assert.That(await page.InnerTextAsync("#oldest-waiting"), Does.Contain("waiting 1 h 30 min"));
        await Browser.ScreenshotAsync(page, $"admin-overview-{width}");
        AssertNoSidewaysScroll(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth > window.innerWidth"));

        await page.ClickAsync("nav >> text=Failures");
        Assert.That(await page.InnerTextAsync("main"), Does.Contain(ConsoleSite.DigestReply));
        await Browser.ScreenshotAsync(page, $"admin-failures-{width}");

        await page.ClickAsync("nav >> text=Suppressions");
        Assert.That(await page.InnerTextAsync("main"), Does.Contain(ConsoleSite.SuppressionReason));
        await Browser.ScreenshotAsync(page, $"admin-suppressions-{width}");
        await page.ClickAsync($"button[aria-label='Lift the suppression of {ConsoleSite.SuppressedAddress}']");

        await page.WaitForSelectorAsync("#lifted");
        Assert.That(await page.InnerTextAsync("#lifted"), Does.Contain($"{ConsoleSite.SuppressedAddress} is active again"));
        Assert.That(await page.InnerTextAsync("main"), Does.Contain("No address is suppressed."));
        await Browser.ScreenshotAsync(page, $"admin-lifted-{width}");
        Assert.That(await _site.ScalarAsync<string>("SELECT status || ' ' || hard_failures || ' ' || coalesce(suppressed_reason, '-') FROM subscribers WHERE email = @email",
            new { email = ConsoleSite.SuppressedAddress }), Is.EqualTo("active 0 -"));

        await page.ClickAsync("text=Sign out");
        await page.GotoAsync(Url(AdminPaths.Overview));
        Assert.That(new Uri(page.Url).AbsolutePath, Is.EqualTo(AdminPaths.SignIn));
        await _site.ExecuteAsync(
            "UPDATE subscribers SET status = 'suppressed', hard_failures = 3, suppressed_at = now() - interval '2 days', suppressed_reason = @reason WHERE email = @email",
            new { email = ConsoleSite.SuppressedAddress, reason = ConsoleSite.SuppressionReason });
    }

    [Test]
    public async Task A_wrong_password_says_so_and_five_lock_the_sign_in()
    {
        var page = await _browser.NewPageAsync(width);
        await page.GotoAsync(Url(AdminPaths.SignIn));

        await page.FillAsync("#password", "not the password");
        var wrong = await SubmitAsync(page);
        Assert.That(wrong.Status, Is.EqualTo(401));
        Assert.That(await page.InnerTextAsync("[role=alert]"), Does.Contain("That is not the password. 4 attempts left"));
        await Browser.ScreenshotAsync(page, $"admin-wrong-password-{width}");

        IResponse? last = null;
        for (var attempt = 2; attempt <= 5; attempt++)
        {
            await page.FillAsync("#password", "still not it");
            last = await SubmitAsync(page);
        }

        Assert.That(last!.Status, Is.EqualTo(429));
        Assert.That(await page.InnerTextAsync("[role=alert]"), Does.Contain("sign-in is locked until"));
        Assert.That(await page.QuerySelectorAsync("#password"), Is.Null, "no password field while locked");
        await Browser.ScreenshotAsync(page, $"admin-locked-{width}");
    }

    /// <summary>Presses Sign in and returns the answer to the post, once its page has loaded.</summary>
    static async Task<IResponse> SubmitAsync(IPage page)
    {
        var response = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("button[type=submit]"),
            r => r.Request.Method == "POST" && r.Url.EndsWith(AdminPaths.SignIn, StringComparison.Ordinal));
        // The click has waited for the navigation it started; the new page is then waited for by
        // polling it, not by WaitForLoadStateAsync, whose check-then-listen can miss a load event
        // that comes in between (it did under load: a 30 s timeout with the page long loaded).
        await page.Locator("body").WaitForAsync();
        return response;
    }

    static void AssertNoSidewaysScroll(bool overflows) => Assert.That(overflows, Is.False, "the page must not scroll sideways");
}

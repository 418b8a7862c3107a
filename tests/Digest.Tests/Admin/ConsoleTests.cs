using System.Net;
using Digest.Admin;
using Digest.TestSupport;

namespace Digest.Tests.Admin;

/// <summary>The console over HTTP: off without a password hash, nothing without a session, the sign-in's limits, what each page shows.</summary>
public sealed class ConsoleTests
{
    ConsoleSite _site = null!;

    [OneTimeSetUp]
    public async Task Start() => _site = await ConsoleSite.StartAsync();

    [OneTimeTearDown]
    public async Task Stop() => await _site.DisposeAsync();

    [SetUp]
    public Task ForgetFailedSignIns() => _site.ExecuteAsync("DELETE FROM admin_sign_in_failures");

    [Test]
    public async Task Without_a_password_hash_the_console_does_not_exist()
    {
        await using var app = new DigestApp(await TestPostgres.CreateDatabaseAsync());
        using var client = app.CreateClient();

        using var page = await client.GetAsync(AdminPaths.SignIn);
        using var overview = await client.GetAsync(AdminPaths.Overview);

        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(overview.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [TestCase(AdminPaths.Overview)]
    [TestCase(AdminPaths.Suppressions)]
    [TestCase(AdminPaths.Failures)]
    public async Task A_page_without_a_session_redirects_to_the_sign_in_and_shows_no_data(string path)
    {
        using var client = _site.Client();

        using var response = await client.GetAsync(path);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(response.Headers.Location?.OriginalString, Is.EqualTo(AdminPaths.SignIn));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Not.Contain("example.org"));
    }

    [TestCase(AdminPaths.Lift)]
    [TestCase(AdminPaths.SignOut)]
    public async Task A_post_without_a_session_is_refused_and_changes_nothing(string path)
    {
        using var client = _site.Client();
        var token = ConsoleSite.Token(await client.GetStringAsync(AdminPaths.SignIn));

        using var response = await client.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["email"] = ConsoleSite.SuppressedAddress,
        }));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(await _site.ScalarAsync<string>("SELECT status FROM subscribers WHERE email = @email", new { email = ConsoleSite.SuppressedAddress }),
            Is.EqualTo("suppressed"));
    }

    [Test]
    public async Task A_forged_session_cookie_is_not_a_session()
    {
        using var client = _site.Client();
        client.DefaultRequestHeaders.Add("Cookie", $"{AdminSession.CookieName}=CfDJ8forged");

        using var response = await client.GetAsync(AdminPaths.Overview);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
    }

    [Test]
    public async Task Signing_in_sets_a_cookie_scoped_to_the_console_and_the_pages_show_the_service()
    {
        using var client = _site.Client();

        using var signIn = await ConsoleSite.SignInAsync(client, _site.Password);

        Assert.That(signIn.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var cookie = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(AdminSession.CookieName + "=", StringComparison.Ordinal));
        Assert.That(cookie, Does.Contain("path=/admin").And.Contain("httponly").And.Contain("samesite=strict").And.Contain("secure"));

        var overview = await client.GetStringAsync(AdminPaths.Overview);
        Assert.That(overview, Does.Match(@"<td>active</td><td class=""number"">2</td>"));
        Assert.That(overview, Does.Match(@"<td>suppressed</td><td class=""number"">1</td>"));
        Assert.That(overview, Does.Match(@"<td>failed</td><td class=""number"">1</td>"));
        Assert.That(overview, Does.Match(@"<td>waiting</td><td class=""number"">1</td>"));
        Assert.That(overview, Does.Contain("waiting 1 h 30 min"));
        Assert.That(overview, Does.Contain("export.arxiv.org: 503 Service Unavailable"));
        Assert.That(overview, Does.Match(@"<td>huggingface</td><td class=""time"">[^<]+</td><td class=""number"">50</td><td class=""number"">2</td>"));
        Assert.That(overview, Does.Match(@"<td>\d{4}-\d\d-\d\d</td><td class=""number"">2</td>"), "two papers first seen today");

        var failures = await client.GetStringAsync(AdminPaths.Failures);
        Assert.That(failures, Does.Contain(ConsoleSite.DigestReply).And.Contain(ConsoleSite.ConfirmationReply));
        Assert.That(failures, Does.Contain(@"<td data-label=""whose fault"">message</td>"));

        var suppressions = await client.GetStringAsync(AdminPaths.Suppressions);
        Assert.That(suppressions, Does.Contain(ConsoleSite.SuppressedAddress).And.Contain("550 5.1.1 &lt;bounced@example.org&gt;: mailbox unknown"));
    }

    [Test]
    public async Task A_wrong_password_is_refused_and_too_many_lock_the_address_out_even_with_the_right_one()
    {
        using var client = _site.Client();
        var token = ConsoleSite.Token(await client.GetStringAsync(AdminPaths.SignIn));
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            using var wrong = await ConsoleSite.SignInAsync(client, token, "not the password");
            Assert.That(wrong.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(await wrong.Content.ReadAsStringAsync(), Does.Contain("That is not the password."));
        }
        using var fifth = await ConsoleSite.SignInAsync(client, token, "still not it");
        Assert.That(fifth.StatusCode, Is.EqualTo((HttpStatusCode)429));

        using var right = await ConsoleSite.SignInAsync(client, token, _site.Password);

        Assert.That(right.StatusCode, Is.EqualTo((HttpStatusCode)429), "locked out: the right password does not get in");
        Assert.That(right.Headers.Contains("Set-Cookie") && right.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith(AdminSession.CookieName, StringComparison.Ordinal)), Is.False);
        Assert.That(await right.Content.ReadAsStringAsync(), Does.Contain("sign-in is locked until"));
        Assert.That(right.Headers.RetryAfter, Is.Not.Null);
    }

    [Test]
    public async Task A_sign_in_without_the_forms_token_is_refused()
    {
        using var client = _site.Client();

        using var response = await client.PostAsync(AdminPaths.SignIn, new FormUrlEncodedContent(new Dictionary<string, string> { ["password"] = _site.Password }));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Headers.Contains("Set-Cookie") && response.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith(AdminSession.CookieName, StringComparison.Ordinal)), Is.False);
    }

    [Test]
    public async Task Signing_out_ends_the_session()
    {
        using var client = _site.Client();
        using (await ConsoleSite.SignInAsync(client, _site.Password)) { }
        var token = ConsoleSite.Token(await client.GetStringAsync(AdminPaths.Overview));

        using var signOut = await client.PostAsync(AdminPaths.SignOut, new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        using var after = await client.GetAsync(AdminPaths.Overview);

        Assert.That(signOut.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
    }
}

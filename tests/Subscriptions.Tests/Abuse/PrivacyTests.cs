using System.Net;
using Digest.Subscriptions.Tests.Harness;
using Microsoft.Extensions.Logging;

namespace Digest.Subscriptions.Tests.Abuse;

public sealed class PrivacyTests : ServiceFixture
{
    // As talkative as an operator could make it: the framework's request logging included.
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
    };

    [TestCase("/")]
    [TestCase("/subscribe")]
    [TestCase("/papers/2025-09-08")]
    [TestCase("/papers/not-a-paper")]
    [TestCase("/search?q=diffusion")]
    [TestCase("/check-your-inbox")]
    [TestCase("/categories")]
    [TestCase("/no-such-page")]
    [TestCase("/favicon.ico")]
    [TestCase("/confirm/not-a-token")]
    [TestCase("/manage/not-a-token")]
    [TestCase("/unsubscribe/not-a-token")]
    public async Task Every_page_carries_the_security_headers(string path)
    {
        using var response = await Client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
        AssertSecurityHeaders(response);
    }

    [Test]
    public async Task The_manage_and_unsubscribe_pages_carry_them_too()
    {
        await Subscribers.ActiveAsync(Service, Client, "headers@example.org");
        var links = await Subscribers.LinksAsync(Service, "headers@example.org");

        using var manage = await Client.GetAsync(links.Manage);
        using var unsubscribe = await Client.GetAsync(links.Unsubscribe);

        AssertSecurityHeaders(manage);
        AssertSecurityHeaders(unsubscribe);
        Assert.That(manage.Headers.CacheControl?.NoStore, Is.True, "a page with someone's data is not cached");
    }

    [TestCase("/")]
    [TestCase("/subscribe")]
    [TestCase("/search?q=diffusion")]
    public async Task The_pages_load_no_inline_script_or_style(string path)
    {
        var html = await Client.GetStringAsync(new Uri(path, UriKind.Relative));

        Assert.That(html, Does.Not.Match("<script(?![^>]*\\bsrc=)"), "every script is a file");
        Assert.That(html, Does.Not.Contain("<style").And.Not.Contain(" style=").And.Not.Contain(" onclick="));
        using var script = await Client.GetAsync(new Uri("/assets/subscribe.js", UriKind.Relative));
        Assert.That(script.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(script.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/javascript"));
    }

    [Test]
    public async Task No_address_or_token_reaches_the_logs_at_information_level()
    {
        const string Email = "secret.person@example.org";
        await Forms.SubscribeAsync(Client, Email, "private topic");
        var confirmPath = await Subscribers.ConfirmationPathAsync(Service, Email);
        using (await Client.GetAsync(new Uri(confirmPath, UriKind.Relative)))
        {
        }
        using (await Forms.PostAsync(Client, confirmPath, []))
        {
        }
        var links = await Subscribers.LinksAsync(Service, Email);
        using (await Forms.PostAsync(Client, links.Manage.AbsolutePath, Forms.Subscribe(Email, "another topic")))
        {
        }
        using (await Forms.PostAsync(Client, links.Manage.AbsolutePath + "/pause", [], links.Manage.AbsolutePath))
        {
        }
        using (await Client.GetAsync(links.Unsubscribe))
        {
        }
        using (await Client.PostAsync(links.Unsubscribe, null))
        {
        }

        var secrets = new[] { "secret.person", confirmPath.Split('/')[^1], links.Manage.Segments[^1], links.Unsubscribe.Segments[^1] };
        var lines = Service.Logs.Lines.Where(l => l.Level >= LogLevel.Information).ToList();
        Assert.That(lines, Is.Not.Empty);
        foreach (var secret in secrets)
            Assert.That(lines.Where(l => l.Message.Contains(secret, StringComparison.OrdinalIgnoreCase)).Select(l => $"{l.Category}: {l.Message}"), Is.Empty, secret);
        Assert.That(lines.Select(l => l.Message), Has.Some.Contains("confirmed"), "the flow was logged, by subscriber id");
    }

    static void AssertSecurityHeaders(HttpResponseMessage response)
    {
        string Header(string name) => response.Headers.TryGetValues(name, out var values) ? values.Single() : "";
        Assert.That(Header("Content-Security-Policy"), Does.Contain("default-src 'none'").And.Contain("script-src 'self'")
            .And.Contain("frame-ancestors 'none'").And.Contain("form-action 'self'").And.Not.Contain("unsafe-inline"));
        Assert.That(Header("X-Content-Type-Options"), Is.EqualTo("nosniff"));
        Assert.That(Header("X-Frame-Options"), Is.EqualTo("DENY"));
        Assert.That(Header("Referrer-Policy"), Is.EqualTo("no-referrer"), "tokens in URLs must not leak to other sites");
    }
}

using System.Net;
using System.Text;
using Digest.Subscriptions.Tests.Harness;

namespace Digest.Subscriptions.Tests.Unsubscribe;

public sealed class UnsubscribeTests : ServiceFixture
{
    [Test]
    public async Task Opening_the_link_asks_first_and_unsubscribes_nobody()
    {
        await Subscribers.ActiveAsync(Service, Client, "scanned@example.org");
        var unsubscribe = (await Subscribers.LinksAsync(Service, "scanned@example.org")).Unsubscribe;

        using var scanner = Service.Client();
        using var response = await scanner.GetAsync(unsubscribe);
        var html = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(html, Does.Contain($"<form method=\"post\" action=\"{unsubscribe.AbsolutePath}\">").And.Contain(">Unsubscribe</button>"));
        Assert.That(await Subscribers.StatusAsync(Service, "scanned@example.org"), Is.EqualTo("active"));
    }

    [Test]
    public async Task The_rfc_8058_one_click_post_unsubscribes_without_cookies_or_antiforgery()
    {
        await Subscribers.ActiveAsync(Service, Client, "one-click@example.org");
        var unsubscribe = (await Subscribers.LinksAsync(Service, "one-click@example.org")).Unsubscribe;
        using var mailboxProvider = Service.Factory.CreateClient(new() { HandleCookies = false, AllowAutoRedirect = false });

        using var response = await mailboxProvider.PostAsync(unsubscribe,
            new StringContent("List-Unsubscribe=One-Click", Encoding.ASCII, "application/x-www-form-urlencoded"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await Subscribers.StatusAsync(Service, "one-click@example.org"), Is.EqualTo("unsubscribed"));
        Assert.That(await Service.ScalarAsync<int>("SELECT count(*) FROM subscribers WHERE email = 'one-click@example.org' AND unsubscribed_at IS NOT NULL"), Is.EqualTo(1));
    }

    [Test]
    public async Task The_button_on_the_page_unsubscribes_at_once()
    {
        await Subscribers.ActiveAsync(Service, Client, "button-out@example.org");
        var unsubscribe = (await Subscribers.LinksAsync(Service, "button-out@example.org")).Unsubscribe;
        await Client.GetStringAsync(unsubscribe);

        using var response = await Client.PostAsync(unsubscribe, new FormUrlEncodedContent([]));

        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("You are unsubscribed"));
        Assert.That(await Subscribers.StatusAsync(Service, "button-out@example.org"), Is.EqualTo("unsubscribed"));
        // Nothing left to press: no form that acts (the site header's search is a GET).
        Assert.That(await Client.GetStringAsync(unsubscribe), Does.Contain("You are unsubscribed").And.Not.Contain("method=\"post\""));
    }

    [Test]
    public async Task Unsubscribing_twice_is_harmless_and_a_paused_subscriber_can_unsubscribe()
    {
        await Subscribers.ActiveAsync(Service, Client, "paused-out@example.org");
        var links = await Subscribers.LinksAsync(Service, "paused-out@example.org");
        using (await Forms.PostAsync(Client, links.Manage.AbsolutePath + "/pause", [], links.Manage.AbsolutePath))
        {
        }

        using var first = await Client.PostAsync(links.Unsubscribe, null);
        using var second = await Client.PostAsync(links.Unsubscribe, null);

        Assert.That((first.StatusCode, second.StatusCode), Is.EqualTo((HttpStatusCode.OK, HttpStatusCode.OK)));
        Assert.That(await Subscribers.StatusAsync(Service, "paused-out@example.org"), Is.EqualTo("unsubscribed"));
    }

    [Test]
    public async Task A_manage_link_or_a_forged_token_does_not_unsubscribe()
    {
        await Subscribers.ActiveAsync(Service, Client, "forged-out@example.org");
        var links = await Subscribers.LinksAsync(Service, "forged-out@example.org");
        var token = links.Unsubscribe.Segments[^1];
        var forged = token[..20] + (token[20] == 'A' ? 'B' : 'A') + token[21..];

        using var withManageToken = await Client.PostAsync(new Uri("/unsubscribe/" + links.Manage.Segments[^1], UriKind.Relative), null);
        using var withForgedToken = await Client.PostAsync(new Uri("/unsubscribe/" + forged, UriKind.Relative), null);

        Assert.That((withManageToken.StatusCode, withForgedToken.StatusCode), Is.EqualTo((HttpStatusCode.NotFound, HttpStatusCode.NotFound)));
        Assert.That(await Subscribers.StatusAsync(Service, "forged-out@example.org"), Is.EqualTo("active"));
    }
}

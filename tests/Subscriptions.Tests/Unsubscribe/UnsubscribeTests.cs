using System.Net;
using System.Text;
using Digest.Subscriptions.Tests.Harness;

namespace Digest.Subscriptions.Tests.Unsubscribe;

public sealed class UnsubscribeTests
{
    TestService _service = null!;
    HttpClient _client = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _service = await TestService.StartAsync();
        _client = _service.Client();
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _client.Dispose();
        await _service.DisposeAsync();
    }

    [Test]
    public async Task Opening_the_link_asks_first_and_unsubscribes_nobody()
    {
        await Subscribers.ActiveAsync(_service, _client, "scanned@example.org");
        var unsubscribe = (await Subscribers.LinksAsync(_service, "scanned@example.org")).Unsubscribe;

        using var scanner = _service.Client();
        using var response = await scanner.GetAsync(unsubscribe);
        var html = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(html, Does.Contain($"<form method=\"post\" action=\"{unsubscribe.AbsolutePath}\">").And.Contain(">Unsubscribe</button>"));
        Assert.That(await Subscribers.StatusAsync(_service, "scanned@example.org"), Is.EqualTo("active"));
    }

    [Test]
    public async Task The_rfc_8058_one_click_post_unsubscribes_without_cookies_or_antiforgery()
    {
        await Subscribers.ActiveAsync(_service, _client, "one-click@example.org");
        var unsubscribe = (await Subscribers.LinksAsync(_service, "one-click@example.org")).Unsubscribe;
        using var mailboxProvider = _service.Factory.CreateClient(new() { HandleCookies = false, AllowAutoRedirect = false });

        using var response = await mailboxProvider.PostAsync(unsubscribe,
            new StringContent("List-Unsubscribe=One-Click", Encoding.ASCII, "application/x-www-form-urlencoded"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await Subscribers.StatusAsync(_service, "one-click@example.org"), Is.EqualTo("unsubscribed"));
        Assert.That(await _service.ScalarAsync<int>("SELECT count(*) FROM subscribers WHERE email = 'one-click@example.org' AND unsubscribed_at IS NOT NULL"), Is.EqualTo(1));
    }

    [Test]
    public async Task The_button_on_the_page_unsubscribes_at_once()
    {
        await Subscribers.ActiveAsync(_service, _client, "button-out@example.org");
        var unsubscribe = (await Subscribers.LinksAsync(_service, "button-out@example.org")).Unsubscribe;
        await _client.GetStringAsync(unsubscribe);

        using var response = await _client.PostAsync(unsubscribe, new FormUrlEncodedContent([]));

        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("You are unsubscribed"));
        Assert.That(await Subscribers.StatusAsync(_service, "button-out@example.org"), Is.EqualTo("unsubscribed"));
        Assert.That(await _client.GetStringAsync(unsubscribe), Does.Contain("You are unsubscribed").And.Not.Contain("<button"));
    }

    [Test]
    public async Task Unsubscribing_twice_is_harmless_and_a_paused_subscriber_can_unsubscribe()
    {
        await Subscribers.ActiveAsync(_service, _client, "paused-out@example.org");
        var links = await Subscribers.LinksAsync(_service, "paused-out@example.org");
        using (await Forms.PostAsync(_client, links.Manage.AbsolutePath + "/pause", [], links.Manage.AbsolutePath))
        {
        }

        using var first = await _client.PostAsync(links.Unsubscribe, null);
        using var second = await _client.PostAsync(links.Unsubscribe, null);

        Assert.That((first.StatusCode, second.StatusCode), Is.EqualTo((HttpStatusCode.OK, HttpStatusCode.OK)));
        Assert.That(await Subscribers.StatusAsync(_service, "paused-out@example.org"), Is.EqualTo("unsubscribed"));
    }

    [Test]
    public async Task A_manage_link_or_a_forged_token_does_not_unsubscribe()
    {
        await Subscribers.ActiveAsync(_service, _client, "forged-out@example.org");
        var links = await Subscribers.LinksAsync(_service, "forged-out@example.org");
        var token = links.Unsubscribe.Segments[^1];
        var forged = token[..20] + (token[20] == 'A' ? 'B' : 'A') + token[21..];

        using var withManageToken = await _client.PostAsync(new Uri("/unsubscribe/" + links.Manage.Segments[^1], UriKind.Relative), null);
        using var withForgedToken = await _client.PostAsync(new Uri("/unsubscribe/" + forged, UriKind.Relative), null);

        Assert.That((withManageToken.StatusCode, withForgedToken.StatusCode), Is.EqualTo((HttpStatusCode.NotFound, HttpStatusCode.NotFound)));
        Assert.That(await Subscribers.StatusAsync(_service, "forged-out@example.org"), Is.EqualTo("active"));
    }
}

using System.Net;
using Digest.Subscriptions.Tests.Harness;

namespace Digest.Subscriptions.Tests.Abuse;

/// <summary>Nobody can use the form to mail-bomb a stranger, and a returning subscriber confirms again.</summary>
public sealed class MailLimitTests
{
    TestService _service = null!;
    HttpClient _client = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _service = await TestService.StartAsync(new Dictionary<string, string?>
        {
            ["Subscriptions:AddressMailWindow"] = "00:15:00",
        });
        _client = _service.Client();
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _client.Dispose();
        await _service.DisposeAsync();
    }

    [Test]
    public async Task An_address_gets_at_most_one_confirmation_per_window_however_often_the_form_is_sent()
    {
        for (var i = 0; i < 5; i++)
            await Forms.SubscribeAsync(_client, "victim@example.org", $"topic number {i}");
        Assert.That(await Subscribers.OutboxCountAsync(_service, "victim@example.org"), Is.EqualTo(1));

        _service.Clock.Advance(TimeSpan.FromMinutes(14));
        await Forms.SubscribeAsync(_client, "VICTIM@example.org");
        Assert.That(await Subscribers.OutboxCountAsync(_service, "victim@example.org"), Is.EqualTo(1), "still inside the window, whatever the case");

        _service.Clock.Advance(TimeSpan.FromMinutes(2));
        await Forms.SubscribeAsync(_client, "victim@example.org");
        Assert.That(await Subscribers.OutboxCountAsync(_service, "victim@example.org"), Is.EqualTo(2));
    }

    [Test]
    public async Task Submissions_for_one_address_from_many_clients_at_once_send_one_mail()
    {
        var tasks = Enumerable.Range(0, 8).Select(async i =>
        {
            using var client = _service.Client($"198.51.100.{i + 1}");
            await Forms.SubscribeAsync(client, "burst@example.org", $"topic {i}");
        });
        await Task.WhenAll(tasks);

        Assert.That(await _service.ScalarAsync<int>("SELECT count(*) FROM subscribers WHERE email = 'burst@example.org'"), Is.EqualTo(1));
        Assert.That(await Subscribers.OutboxCountAsync(_service, "burst@example.org"), Is.EqualTo(1));
    }

    [Test]
    public async Task An_active_subscriber_is_told_by_mail_and_nothing_about_them_changes()
    {
        var id = await Subscribers.ActiveAsync(_service, _client, "already@example.org", "causal inference");
        _service.Clock.Advance(TimeSpan.FromHours(1));

        await Forms.SubscribeAsync(_client, "already@example.org", "something a stranger chose", ("hour", "3"));

        var notice = (await Inbox.WaitForAsync(_service, "already@example.org", 2))[^1];
        Assert.That(notice.Subject, Is.EqualTo("You are already subscribed to Digest"));
        Assert.That(notice.Link("/manage/"), Does.Contain("/manage/"));
        Assert.That(await Subscribers.StatusAsync(_service, "already@example.org"), Is.EqualTo("active"));
        Assert.That(await _service.ScalarAsync<short>("SELECT delivery_hour FROM subscribers WHERE id = @id", new { id }), Is.EqualTo((short)7));
        Assert.That(await _service.ScalarAsync<string>("""
            SELECT string_agg(t.query, ',') FROM subscriber_topics st JOIN topics t ON t.id = st.topic_id WHERE st.subscriber_id = @id
            """, new { id }), Is.EqualTo("causal inference"));
    }

    [Test]
    public async Task Subscribing_again_after_unsubscribing_needs_a_new_confirmation()
    {
        await Subscribers.ActiveAsync(_service, _client, "returning@example.org", "old topic");
        using (await _client.PostAsync((await Subscribers.LinksAsync(_service, "returning@example.org")).Unsubscribe, null))
        {
        }
        _service.Clock.Advance(TimeSpan.FromHours(1));

        await Forms.SubscribeAsync(_client, "returning@example.org", "new topic");

        Assert.That(await Subscribers.StatusAsync(_service, "returning@example.org"), Is.EqualTo("unsubscribed"), "not active until confirmed");
        using var confirmed = await Subscribers.ConfirmAsync(_service, _client, "returning@example.org", mails: 2);
        Assert.That(confirmed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await Subscribers.StatusAsync(_service, "returning@example.org"), Is.EqualTo("active"));
        Assert.That(await _service.ScalarAsync<string>("""
            SELECT string_agg(t.query, ',') FROM subscriber_topics st JOIN topics t ON t.id = st.topic_id JOIN subscribers s ON s.id = st.subscriber_id
            WHERE s.email = 'returning@example.org'
            """), Is.EqualTo("new topic"));
    }
}

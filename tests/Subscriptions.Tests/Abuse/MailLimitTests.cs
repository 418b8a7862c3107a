using System.Net;
using Digest.Subscriptions.Tests.Harness;

namespace Digest.Subscriptions.Tests.Abuse;

/// <summary>Nobody can use the form to mail-bomb a stranger, and a returning subscriber confirms again.</summary>
public sealed class MailLimitTests : ServiceFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Subscriptions:AddressMailWindow"] = "00:15:00",
    };

    [Test]
    public async Task An_address_gets_at_most_one_confirmation_per_window_however_often_the_form_is_sent()
    {
        for (var i = 0; i < 5; i++)
            await Forms.SubscribeAsync(Client, "victim@example.org", $"topic number {i}");
        Assert.That(await Subscribers.OutboxCountAsync(Service, "victim@example.org"), Is.EqualTo(1));

        Service.Clock.Advance(TimeSpan.FromMinutes(14));
        await Forms.SubscribeAsync(Client, "VICTIM@example.org");
        Assert.That(await Subscribers.OutboxCountAsync(Service, "victim@example.org"), Is.EqualTo(1), "still inside the window, whatever the case");

        Service.Clock.Advance(TimeSpan.FromMinutes(2));
        await Forms.SubscribeAsync(Client, "victim@example.org");
        Assert.That(await Subscribers.OutboxCountAsync(Service, "victim@example.org"), Is.EqualTo(2));
    }

    [Test]
    public async Task Submissions_for_one_address_from_manyClients_at_once_send_one_mail()
    {
        var tasks = Enumerable.Range(0, 8).Select(async i =>
        {
            using var client = Service.Client($"198.51.100.{i + 1}");
            await Forms.SubscribeAsync(client, "burst@example.org", $"topic {i}");
        });
        await Task.WhenAll(tasks);

        Assert.That(await Service.ScalarAsync<int>("SELECT count(*) FROM subscribers WHERE email = 'burst@example.org'"), Is.EqualTo(1));
        Assert.That(await Subscribers.OutboxCountAsync(Service, "burst@example.org"), Is.EqualTo(1));
    }

    [Test]
    public async Task An_active_subscriber_is_told_by_mail_and_nothing_about_them_changes()
    {
        var id = await Subscribers.ActiveAsync(Service, Client, "already@example.org", "causal inference");
        Service.Clock.Advance(TimeSpan.FromHours(1));

        await Forms.SubscribeAsync(Client, "already@example.org", "something a stranger chose", ("hour", "3"));

        var notice = (await Inbox.WaitForAsync(Service, "already@example.org", 2))[^1];
        Assert.That(notice.Subject, Is.EqualTo("You are already subscribed to Digest"));
        Assert.That(notice.Link("/manage/"), Does.Contain("/manage/"));
        Assert.That(await Subscribers.StatusAsync(Service, "already@example.org"), Is.EqualTo("active"));
        Assert.That(await Service.ScalarAsync<short>("SELECT delivery_hour FROM subscribers WHERE id = @id", new { id }), Is.EqualTo((short)7));
        Assert.That(await Service.ScalarAsync<string>("""
            SELECT string_agg(t.query, ',') FROM subscriber_topics st JOIN topics t ON t.id = st.topic_id WHERE st.subscriber_id = @id
            """, new { id }), Is.EqualTo("causal inference"));
    }

    [Test]
    public async Task Subscribing_again_after_unsubscribing_needs_a_new_confirmation()
    {
        await Subscribers.ActiveAsync(Service, Client, "returning@example.org", "old topic");
        using (await Client.PostAsync((await Subscribers.LinksAsync(Service, "returning@example.org")).Unsubscribe, null))
        {
        }
        Service.Clock.Advance(TimeSpan.FromHours(1));

        await Forms.SubscribeAsync(Client, "returning@example.org", "new topic");

        Assert.That(await Subscribers.StatusAsync(Service, "returning@example.org"), Is.EqualTo("unsubscribed"), "not active until confirmed");
        using var confirmed = await Subscribers.ConfirmAsync(Service, Client, "returning@example.org", mails: 2);
        Assert.That(confirmed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await Subscribers.StatusAsync(Service, "returning@example.org"), Is.EqualTo("active"));
        Assert.That(await Service.ScalarAsync<string>("""
            SELECT string_agg(t.query, ',') FROM subscriber_topics st JOIN topics t ON t.id = st.topic_id JOIN subscribers s ON s.id = st.subscriber_id
            WHERE s.email = 'returning@example.org'
            """), Is.EqualTo("new topic"));
    }
}

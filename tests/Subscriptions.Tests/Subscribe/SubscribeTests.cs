using System.Net;
using Dapper;
using Digest.Subscriptions.Tests.Harness;

namespace Digest.Subscriptions.Tests.Subscribe;

public sealed class SubscribeTests : ServiceFixture
{
    [Test]
    public async Task The_form_is_at_subscribe()
    {
        var html = await Client.GetStringAsync(new Uri("/subscribe", UriKind.Relative));

        Assert.That(html, Does.Contain("<h1>Get trending papers in your inbox</h1>"));
        Assert.That(html, Does.Contain("<form class=\"settings\" method=\"post\" action=\"/subscribe\""));
        foreach (var field in new[] { "email", "topics", "frequency-daily", "frequency-weekly", "weekday", "hour", "zone" })
            Assert.That(html, Does.Contain($"id=\"{field}\""), field);
        Assert.That(html, Does.Contain("<option value=\"UTC\" selected>UTC</option>"), "UTC until the browser says otherwise");
        Assert.That(html, Does.Contain("data-guess-zone"));
    }

    [Test]
    public async Task A_topic_in_the_address_fills_the_topics_box_and_nothing_else()
    {
        var html = await Client.GetStringAsync(new Uri("/subscribe?topic=" + Uri.EscapeDataString("\"diffusion models\" -video <b>"), UriKind.Relative));

        Assert.That(html, Does.Contain(">&quot;diffusion models&quot; -video &lt;b&gt;</textarea>"));
        Assert.That(html, Does.Contain("id=\"email\" name=\"email\" type=\"email\" autocomplete=\"email\" spellcheck=\"false\" value=\"\""));
    }

    [Test]
    public async Task The_old_form_address_still_subscribes()
    {
        // A form rendered before the form moved to /subscribe (an open tab) posts to /.
        using var response = await Forms.PostAsync(Client, "/", Forms.Subscribe("old-form@example.org"), formPage: "/subscribe");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(response.Headers.Location?.OriginalString, Is.EqualTo("/check-your-inbox"));
        Assert.That(await Subscribers.StatusAsync(Service, "old-form@example.org"), Is.EqualTo("pending"));
    }

    [Test]
    public async Task Subscribing_stores_a_pending_subscriber_with_its_settings_and_topics_and_queues_a_confirmation()
    {
        using var response = await Forms.PostAsync(Client, "/subscribe", Forms.Subscribe("Ada.Lovelace@Example.ORG",
            "\"Diffusion  Models\" -video\nRLHF author:\"Ada  Lovelace\" category:cs.lg upvotes:5",
            ("frequency", "weekly"), ("weekday", "3"), ("hour", "18"), ("zone", "America/Sao_Paulo")));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(response.Headers.Location?.OriginalString, Is.EqualTo("/check-your-inbox"));
        await using var connection = await Service.OpenAsync();
        var subscriber = await connection.QuerySingleAsync<(long Id, string Email, string Status, string Frequency, short? Weekday, short Hour, string Zone)>(
            "SELECT id, email, status, frequency, weekday, delivery_hour, time_zone FROM subscribers WHERE lower(email) = 'ada.lovelace@example.org'");
        Assert.That(subscriber.Email, Is.EqualTo("Ada.Lovelace@example.org"), "the domain is lower-cased, the local part kept");
        Assert.That((subscriber.Status, subscriber.Frequency, subscriber.Weekday, subscriber.Hour, subscriber.Zone),
            Is.EqualTo(("pending", "weekly", (short?)3, (short)18, "America/Sao_Paulo")));
        var topics = (await connection.QueryAsync<(string Query, string? Author, string? Category, int MinUpvotes)>("""
            SELECT t.query, t.author, t.category, t.min_upvotes FROM subscriber_topics st JOIN topics t ON t.id = st.topic_id
            WHERE st.subscriber_id = @Id ORDER BY st.position
            """, new { subscriber.Id })).ToList();
        Assert.That(topics, Is.EqualTo(new[]
        {
            ("\"diffusion models\" -video", (string?)null, (string?)null, 0),
            ("rlhf", "ada lovelace", "cs.LG", 5),
        }));
        var mail = (await Inbox.WaitForAsync(Service, "Ada.Lovelace@example.org")).Single();
        Assert.That(mail.Subject, Is.EqualTo("Confirm your Digest subscription"));
        // Without Digest:PublicUrl, links use the service's own URL (appsettings: Urls), never the request's Host.
        Assert.That(mail.Link("/confirm/"), Does.Match("^http://localhost:5080/confirm/[A-Za-z0-9_-]{48}$"));
        Assert.That(mail.Text, Does.Contain("rlhf author:\"ada lovelace\" category:cs.LG upvotes:5"));
        Assert.That(mail.Text, Does.Contain("every Wednesday at 18:00 (America/Sao_Paulo)"));
    }

    [Test]
    public async Task A_topic_many_subscribers_share_is_stored_once()
    {
        await Forms.SubscribeAsync(Client, "share1@example.org", "graph neural networks\nprotein folding");
        await Forms.SubscribeAsync(Client, "share2@example.org", "Graph   Neural Networks");
        await Forms.SubscribeAsync(Client, "share3@example.org", "graph neural networks category:cs.LG");

        var plain = await Service.ScalarAsync<int>("SELECT count(*) FROM topics WHERE query = 'graph neural networks' AND category IS NULL");
        var links = await Service.ScalarAsync<int>("""
            SELECT count(*) FROM subscriber_topics st JOIN topics t ON t.id = st.topic_id WHERE t.query = 'graph neural networks' AND t.category IS NULL
            """);
        var narrowed = await Service.ScalarAsync<int>("SELECT count(*) FROM topics WHERE query = 'graph neural networks' AND category = 'cs.LG'");

        Assert.That((plain, links, narrowed), Is.EqualTo((1, 2, 1)));
    }

    [Test]
    public async Task The_same_filter_written_twice_in_one_form_counts_once()
    {
        await Forms.SubscribeAsync(Client, "twice@example.org", "Quantum error correction\nquantum  ERROR correction");

        var count = await Service.ScalarAsync<int>(
            "SELECT count(*) FROM subscriber_topics st JOIN subscribers s ON s.id = st.subscriber_id WHERE s.email = 'twice@example.org'");

        Assert.That(count, Is.EqualTo(1));
    }

    [Test]
    public async Task Addresses_that_differ_only_in_case_are_one_subscriber_and_get_one_mail()
    {
        await Forms.SubscribeAsync(Client, "case@example.org");
        await Forms.SubscribeAsync(Client, "CASE@example.org");
        await Forms.SubscribeAsync(Client, "Case@EXAMPLE.org");

        var subscribers = await Service.ScalarAsync<int>("SELECT count(*) FROM subscribers WHERE lower(email) = 'case@example.org'");
        var mails = await Service.ScalarAsync<int>("""
            SELECT count(*) FROM outbox o JOIN subscribers s ON s.id = o.subscriber_id WHERE lower(s.email) = 'case@example.org'
            """);

        Assert.That((subscribers, mails), Is.EqualTo((1, 1)));
    }

    [Test]
    public async Task Without_a_time_zone_the_subscriber_gets_utc()
    {
        await Forms.SubscribeAsync(Client, "nozone@example.org", "sparse attention", ("zone", ""));

        var zone = await Service.ScalarAsync<string>("SELECT time_zone FROM subscribers WHERE email = 'nozone@example.org'");

        Assert.That(zone, Is.EqualTo("UTC"));
    }

    [Test]
    public async Task A_daily_subscription_ignores_the_weekday()
    {
        await Forms.SubscribeAsync(Client, "daily@example.org", "sparse attention", ("frequency", "daily"), ("weekday", "5"));

        var weekday = await Service.ScalarAsync<int>("SELECT count(*) FROM subscribers WHERE email = 'daily@example.org' AND weekday IS NULL");

        Assert.That(weekday, Is.EqualTo(1));
    }

    [Test]
    public async Task The_check_your_inbox_page_says_the_same_whoever_the_address_belongs_to()
    {
        var html = await Client.GetStringAsync(new Uri("/check-your-inbox", UriKind.Relative));

        Assert.That(html, Does.Contain("Check your inbox"));
        Assert.That(html, Does.Not.Contain("@"), "the page never shows the address");
    }
}

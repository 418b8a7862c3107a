using Dapper;
using System.Net;
using Digest.Subscriptions.Tests.Harness;

namespace Digest.Subscriptions.Tests.Abuse;

public sealed class RateLimitTests : ServiceFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Subscriptions:SubmitsPerClient"] = "3",
        ["Subscriptions:SubmitWindow"] = "01:00:00",
        ["Subscriptions:RequestsPerClientPerMinute"] = "5",
    };

    [Test]
    public async Task A_client_that_submits_too_often_is_turned_away_while_others_are_not()
    {
        using var busy = Service.Client("203.0.113.7");
        using var other = Service.Client("203.0.113.8");
        for (var i = 0; i < 3; i++)
            await Forms.SubscribeAsync(busy, $"limit{i}@example.org");

        using var refused = await Forms.PostAsync(busy, "/subscribe", Forms.Subscribe("limit3@example.org"));
        var html = await refused.Content.ReadAsStringAsync();

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(refused.Headers.RetryAfter?.Delta, Is.Not.Null.And.GreaterThan(TimeSpan.Zero));
        Assert.That(html, Does.Contain("Too many requests"));
        Assert.That(refused.Headers.GetValues("Content-Security-Policy").Single(), Does.Contain("default-src 'none'"));
        Assert.That(await Service.ScalarAsync<int>("SELECT count(*) FROM subscribers WHERE email = 'limit3@example.org'"), Is.Zero);
        await Forms.SubscribeAsync(other, "limit4@example.org");
    }

    [Test]
    public async Task Addresses_in_one_ipv6_64_share_an_allowance()
    {
        for (var i = 0; i < 3; i++)
        {
            using var client = Service.Client($"2001:db8:1:2::{i + 1:x}");
            await Forms.SubscribeAsync(client, $"v6-{i}@example.org");
        }
        using var sameNetwork = Service.Client("2001:db8:1:2:ffff::9");

        using var refused = await Forms.PostAsync(sameNetwork, "/subscribe", Forms.Subscribe("v6-3@example.org"));

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
    }

    [Test]
    public async Task The_live_preview_is_rate_limited_per_client()
    {
        using var client = Service.Client("192.0.2.44");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 7; i++)
        {
            using var response = await client.GetAsync(new Uri($"/preview?topics=diffusion{i}", UriKind.Relative));
            statuses.Add(response.StatusCode);
        }

        Assert.That(statuses.Take(5), Is.All.EqualTo(HttpStatusCode.OK));
        Assert.That(statuses.Skip(5), Is.All.EqualTo(HttpStatusCode.TooManyRequests));
    }
}

/// <summary>
/// A genuine one-click unsubscribe is never rate-limited away: after a digest run a mailbox
/// provider, or many readers behind one NAT, may post hundreds from one address.
/// </summary>
public sealed class OneClickLimitTests : ServiceFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Subscriptions:RequestsPerClientPerMinute"] = "20",
    };

    [Test]
    public async Task Five_hundred_one_click_posts_from_one_address_unsubscribe_all_five_hundred_and_forged_tokens_are_still_limited()
    {
        const int Readers = 500;
        await Service.ExecuteAsync("""
            INSERT INTO subscribers (email, status, frequency, delivery_hour, time_zone, created_at, updated_at, confirmed_at)
            SELECT 'nat' || n || '@example.org', 'active', 'daily', 7, 'UTC', now(), now(), now() FROM generate_series(1, @Readers) AS n
            """, new { Readers });
        var links = Service.Service<Digest.Subscriptions.Links.SubscriptionLinks>();
        List<long> ids;
        await using (var connection = await Service.OpenAsync())
            ids = (await connection.QueryAsync<long>("SELECT id FROM subscribers WHERE email LIKE 'nat%' ORDER BY id")).ToList();
        using var provider = Service.Client("198.51.100.25");

        var statuses = new List<HttpStatusCode>();
        foreach (var id in ids)
        {
            var unsubscribe = (await links.ForSubscriberAsync(id, 1)).Unsubscribe;
            using var response = await provider.PostAsync(unsubscribe.AbsolutePath,
                new StringContent("List-Unsubscribe=One-Click", System.Text.Encoding.ASCII, "application/x-www-form-urlencoded"));
            statuses.Add(response.StatusCode);
        }
        var forged = new List<HttpStatusCode>();
        for (var i = 0; i < 30; i++)
        {
            using var response = await provider.PostAsync($"/unsubscribe/{ids[0]}.forged{i}AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", null);
            forged.Add(response.StatusCode);
        }

        Assert.That(statuses, Has.Count.EqualTo(Readers).And.All.EqualTo(HttpStatusCode.OK));
        Assert.That(await Service.ScalarAsync<int>("SELECT count(*)::int FROM subscribers WHERE email LIKE 'nat%' AND status = 'unsubscribed'"), Is.EqualTo(Readers));
        Assert.That(forged.Take(20), Is.All.EqualTo(HttpStatusCode.NotFound), "a forged token is just an unknown link");
        Assert.That(forged.Skip(20), Is.All.EqualTo(HttpStatusCode.TooManyRequests), "guessing spends the client's allowance");
    }
}

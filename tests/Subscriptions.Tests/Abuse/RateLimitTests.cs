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

        using var refused = await Forms.PostAsync(busy, "/", Forms.Subscribe("limit3@example.org"));
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

        using var refused = await Forms.PostAsync(sameNetwork, "/", Forms.Subscribe("v6-3@example.org"));

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

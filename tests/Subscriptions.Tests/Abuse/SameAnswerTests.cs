using System.Diagnostics;
using System.Net;
using Digest.Subscriptions.Tests.Harness;

namespace Digest.Subscriptions.Tests.Abuse;

/// <summary>
/// The form must not tell anyone whether an address is known: the same answer, in about the same
/// time, for a new, pending, active or unsubscribed address. What differs goes by mail, to the
/// address's owner only.
/// </summary>
public sealed class SameAnswerTests : ServiceFixture
{
    static readonly TimeSpan ResponseTime = TimeSpan.FromMilliseconds(300);

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Subscriptions:SubmitResponseTime"] = ResponseTime.ToString(),
    };

    [Test]
    public async Task New_pending_active_and_unsubscribed_addresses_get_the_same_answer_in_about_the_same_time()
    {
        await Forms.SubscribeAsync(Client, "pending@example.org");
        await Subscribers.ActiveAsync(Service, Client, "active@example.org");
        await Subscribers.ActiveAsync(Service, Client, "gone@example.org");
        using (var unsubscribed = await Client.PostAsync((await Subscribers.LinksAsync(Service, "gone@example.org")).Unsubscribe, null))
            Assert.That(unsubscribed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        // Past the per-address window, so that every kind of address would get its mail.
        Service.Clock.Advance(TimeSpan.FromHours(1));

        var kinds = new Dictionary<string, Func<int, string>>
        {
            ["new"] = i => $"new{i}@example.org",
            ["pending"] = _ => "pending@example.org",
            ["active"] = _ => "active@example.org",
            ["unsubscribed"] = _ => "gone@example.org",
        };
        var times = kinds.Keys.ToDictionary(k => k, _ => new List<double>());
        var answers = new HashSet<string>();
        for (var round = 0; round < 5; round++)
        {
            foreach (var (kind, address) in kinds)
            {
                var fields = Forms.Subscribe(address(round), "protein folding");
                var token = await Forms.TokenAsync(Client);
                var watch = Stopwatch.StartNew();
                using var response = await Forms.PostWithTokenAsync(Client, "/subscribe", fields, token);
                watch.Stop();
                times[kind].Add(watch.Elapsed.TotalMilliseconds);
                answers.Add($"{(int)response.StatusCode} {response.Headers.Location} {await response.Content.ReadAsStringAsync()} " +
                    string.Join(",", response.Headers.Where(h => h.Key != "Date").Select(h => h.Key)));
            }
        }

        Assert.That(answers, Has.Count.EqualTo(1), string.Join("\n", answers));
        Assert.That(answers.Single(), Does.StartWith("302 /check-your-inbox"));
        var medians = times.ToDictionary(t => t.Key, t => t.Value.Order().ElementAt(t.Value.Count / 2));
        TestContext.Out.WriteLine(string.Join(", ", medians.Select(m => $"{m.Key} {m.Value:0} ms")));
        Assert.That(medians.Values.Min(), Is.GreaterThanOrEqualTo(ResponseTime.TotalMilliseconds - 1), "every answer waits for the configured time");
        Assert.That(medians.Values.Max() - medians.Values.Min(), Is.LessThan(60), "the medians are within 60 ms of each other");
        Assert.That(await Subscribers.OutboxCountAsync(Service, "active@example.org", "already-subscribed"), Is.EqualTo(1),
            "the active subscriber is told by mail, once in the window");
    }
}

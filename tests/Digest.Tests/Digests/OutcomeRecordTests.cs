using Dapper;
using Digest.Digests;
using Digest.Mailer;
using Digest.Subscriptions.Delivery;
using Digest.Tests.Digests.Harness;
using Digest.Tests.Papers.Harness;

namespace Digest.Tests.Digests;

/// <summary>
/// The statement that records a batch's outcomes (<see cref="DigestDelivery.RecordSql"/>), on
/// batches where one subscriber has several issues: what counts toward suppression and what
/// resets the count is decided per address over the whole batch.
/// </summary>
public sealed class OutcomeRecordTests
{
    static readonly DateTimeOffset Monday9 = Fixtures.Utc("2025-09-08T09:00:00Z");

    [Test]
    public async Task A_delivery_resets_the_count_only_when_no_issue_of_the_same_address_in_the_batch_hard_bounced()
    {
        await using var host = await DigestsHost.StartAsync(Monday9);
        var delivered = await host.SubscribeAsync("delivered@example.org", ["diffusion"]);
        var mixed = await host.SubscribeAsync("mixed@example.org", ["diffusion"]);
        var deferred = await host.SubscribeAsync("deferred@example.org", ["diffusion"]);
        var bounced = await host.SubscribeAsync("bounced@example.org", ["diffusion"]);
        var untouched = await host.SubscribeAsync("untouched@example.org", ["diffusion"]);
        await host.ScalarAsync<int>("UPDATE subscribers SET hard_failures = 2 WHERE id <> @bounced RETURNING 1", new { bounced });
        var claim = Guid.NewGuid();
        var now = Monday9;

        Decision Sent(long id) => new(id, QueueState.Sent, "Sent", Fault.None, null, now, false);
        Decision HardBounce(long id) => new(id, QueueState.Failed, "Failed", Fault.Recipient, "550 5.1.1 no such user", now, false);
        Decision Deferral(long id) => new(id, QueueState.Queued, "Deferred", Fault.Transient, "451 4.3.0 try later", now.AddMinutes(5), false);

        var decisions = new List<Decision>();
        foreach (var (subscriber, outcomes) in new (long, Func<long, Decision>[])[]
        {
            (delivered, [Sent, Sent]),
            (mixed, [Sent, HardBounce]),
            (deferred, [Deferral, Sent]),
            (bounced, [HardBounce]),
        })
        {
            for (var day = 0; day < outcomes.Length; day++)
                decisions.Add(outcomes[day](await ClaimedIssueAsync(host, subscriber, day, claim)));
        }

        var parameters = Decision.Columns(decisions, claim, now);
        parameters.Add("SuppressAfter", 3);
        await using var connection = await host.DataSource.OpenConnectionAsync();
        var (recorded, suppressed) = await connection.QuerySingleAsync<(int, int)>(DigestDelivery.RecordSql, parameters);

        Assert.That((recorded, suppressed), Is.EqualTo((7, 1)));
        async Task<string> StatusOf(long id) =>
            await host.ScalarAsync<string>("SELECT status || ' ' || hard_failures FROM subscribers WHERE id = @id", new { id });
        Assert.That(await StatusOf(delivered), Is.EqualTo("active 0"), "delivered twice: reset");
        Assert.That(await StatusOf(mixed), Is.EqualTo("suppressed 3"), "a hard bounce beside a delivery counts, and the delivery does not reset it");
        Assert.That(await StatusOf(deferred), Is.EqualTo("active 0"), "a deferral is no hard bounce: the delivery resets the count");
        Assert.That(await StatusOf(bounced), Is.EqualTo("active 1"));
        Assert.That(await StatusOf(untouched), Is.EqualTo("active 2"), "not in the batch");
        Assert.That(await host.ScalarAsync<long>("SELECT count(*) FROM digest_issues WHERE claimed_by IS NOT NULL"), Is.Zero);
    }

    static Task<long> ClaimedIssueAsync(DigestsHost host, long subscriber, int day, Guid claim) => host.ScalarAsync<long>("""
        INSERT INTO digest_issues (subscriber_id, period, window_start, window_end, paper_ids, paper_topics, state, attempts, due_at, claimed_by, planned_at)
        VALUES (@subscriber, DATE '2025-09-01' + @day, now(), now(), '{2509.00001}', '{diffusion}', 'queued', 1, now() + interval '5 minutes', @claim, now())
        RETURNING id
        """, new { subscriber, day, claim });
}

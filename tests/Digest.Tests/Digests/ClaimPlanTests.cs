using Dapper;
using Digest.Digests;
using Digest.Subscriptions.Delivery;
using Digest.Tests.Digests.Harness;
using Digest.Tests.Papers.Harness;

namespace Digest.Tests.Digests;

/// <summary>
/// The delivery claim keeps to the due index however stale the statistics: on a table analysed
/// before a plan queued a run's worth, PostgreSQL otherwise expects a few dozen due rows and reads
/// and sorts every one of them for each claim of a batch.
/// </summary>
public sealed class ClaimPlanTests
{
    static readonly DateTimeOffset Monday9 = Fixtures.Utc("2025-09-08T09:00:00Z");

    [Test]
    public async Task A_claim_reads_the_due_index_in_order_even_when_the_statistics_say_nothing_is_queued()
    {
        await using var host = await DigestsHost.StartAsync(Monday9);
        var subscriber = await host.SubscribeAsync("ada@example.org", ["diffusion"]);
        await using var connection = await host.DataSource.OpenConnectionAsync();
        // Analysed while it held no issues (a new instance, or the benchmark's generated data), then
        // a run's issues queued.
        await connection.ExecuteAsync("""
            ANALYZE digest_issues;
            INSERT INTO digest_issues (subscriber_id, period, window_start, window_end, papers, state, due_at, planned_at)
            SELECT @subscriber, date '2010-01-01' + n, @now, @now, '[{"id": "2509.00001", "topics": []}]', 'queued', @now, @now
            FROM generate_series(1, 6000) AS n;
            """, new { subscriber, now = Monday9 });

        var unpinned = await ClaimPlanAsync(connection, pin: false);
        var pinned = await ClaimPlanAsync(connection, pin: true);

        Assert.That(unpinned, Does.Contain("Bitmap Heap Scan on digest_issues"), "the statistics do mislead the planner (else this test shows nothing)");
        Assert.That(pinned, Does.Contain("Index Scan using digest_issues_due_idx on digest_issues").And.Not.Contain("Bitmap"));
        Assert.That(pinned, Does.Not.Contain("Sort Key: digest_issues.due_at"), "the index gives the order: nothing is sorted");
    }

    static async Task<string> ClaimPlanAsync(Npgsql.NpgsqlConnection connection, bool pin)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        if (pin)
            await connection.ExecuteAsync(LeasedQueue<DigestDelivery.ClaimedIssue>.ClaimPlan, transaction: transaction);
        var plan = await connection.QueryAsync<string>("EXPLAIN " + DigestDelivery.IssueClaimSql, new
        {
            Now = Monday9,
            LeaseEnd = Monday9.AddMinutes(2),
            Claim = Guid.NewGuid(),
            BatchSize = 200,
        }, transaction);
        await transaction.RollbackAsync();
        return string.Join('\n', plan);
    }
}

using System.Net;
using Dapper;
using Digest.Subscriptions.Tests.Harness;
using Digest.TestSupport;

namespace Digest.Subscriptions.Tests.Filters;

/// <summary>
/// The live preview is bounded: its queries run under a statement_timeout, and only
/// Subscriptions:PreviewConcurrency of them at once. A test holds a lock on the papers so that a
/// preview's query waits on it, which is what a slow query looks like from the outside.
/// </summary>
public sealed class PreviewLimitsTests : ServiceFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Subscriptions:PreviewTimeout"] = "00:00:03",
        ["Subscriptions:PreviewConcurrency"] = "1",
    };

    [Test]
    public async Task A_preview_whose_query_outlasts_the_timeout_answers_503_and_the_next_one_works()
    {
        var stuck = await WhilePapersAreLockedAsync(() => Client.GetAsync(new Uri("/preview?topics=diffusion", UriKind.Relative)));

        Assert.That(stuck.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(await stuck.Content.ReadAsStringAsync(), Does.Contain("took too long"));
        var after = await Client.GetAsync(new Uri("/preview?topics=diffusion", UriKind.Relative));
        Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the connection went back to the pool without the timeout");
    }

    [Test]
    public async Task A_preview_beyond_the_concurrency_cap_is_turned_away_while_the_first_still_runs()
    {
        HttpResponseMessage? second = null;
        var first = await WhilePapersAreLockedAsync(async () =>
        {
            var running = Client.GetAsync(new Uri("/preview?topics=diffusion", UriKind.Relative));
            Assert.That(await WaitFor.ConditionAsync(PreviewWaitsOnTheLockAsync, TimeSpan.FromSeconds(10)), Is.True, "the first preview's query is running");
            second = await Client.GetAsync(new Uri("/preview?topics=transformers", UriKind.Relative));
            return await running;
        });

        Assert.That(second!.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(await second.Content.ReadAsStringAsync(), Does.Contain("busy"));
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "the first outlasted its timeout behind the lock");
    }

    async Task<T> WhilePapersAreLockedAsync<T>(Func<Task<T>> action)
    {
        await using var connection = await Service.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("LOCK TABLE papers IN ACCESS EXCLUSIVE MODE", transaction: transaction);
        try
        {
            return await action();
        }
        finally
        {
            await transaction.RollbackAsync();
        }
    }

    /// <summary>
    /// The preview's own query waits on the lock: not just any backend (a job of the service that
    /// reads papers waits on it too, and then the first preview may not have taken its slot yet).
    /// </summary>
    async Task<bool> PreviewWaitsOnTheLockAsync() =>
        await Service.ScalarAsync<int>("""
            SELECT count(*)::int FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND datname = current_database()
              AND query LIKE '%paper_matches_topic(p, websearch_to_tsquery(%'
            """) > 0;
}

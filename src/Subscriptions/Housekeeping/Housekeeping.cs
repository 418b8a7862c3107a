using Dapper;
using Digest.Subscriptions.Outbox;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Digest.Subscriptions.Housekeeping;

/// <summary>
/// Deletes what nobody needs any more: expired confirmation links, sign-ups never confirmed
/// (with their topics and queued mail), topics nobody follows, and the records of mail finished
/// long ago. Idempotent, so every instance may run it.
/// </summary>
internal sealed class Housekeeping(
    NpgsqlDataSource dataSource, TimeProvider clock, IOptionsMonitor<SubscriptionsOptions> subscriptions,
    IOptionsMonitor<OutboxOptions> outbox, ILogger<Housekeeping> logger)
{
    public async Task<HousekeepingResult> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        const string Sql = """
            WITH expired_links AS (
                DELETE FROM confirmations WHERE expires_at <= @Now RETURNING subscriber_id),
            stale_signups AS (
                DELETE FROM subscribers s
                WHERE s.status = 'pending' AND s.created_at <= @Now - @ConfirmationLifetime
                  AND NOT EXISTS (SELECT FROM confirmations c WHERE c.subscriber_id = s.id AND c.expires_at > @Now)
                RETURNING id),
            finished_mail AS (
                DELETE FROM outbox WHERE state <> 'queued' AND finished_at <= @Now - @KeepFinished RETURNING id)
            SELECT (SELECT count(*) FROM expired_links)::int AS ExpiredLinks,
                   (SELECT count(*) FROM stale_signups)::int AS StaleSignups,
                   (SELECT count(*) FROM finished_mail)::int AS FinishedMail
            """;
        // Separately, after the sign-ups above are gone: a topic is unfollowed once no row links it
        // (and nobody picked it in the last day, so a sign-up in progress keeps it).
        const string TopicsSql = """
            DELETE FROM topics t
            WHERE t.last_chosen_at <= @Now - interval '1 day'
              AND NOT EXISTS (SELECT FROM subscriber_topics st WHERE st.topic_id = t.id)
            """;
        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var counts = await connection.QuerySingleAsync<Counts>(new CommandDefinition(Sql, new
        {
            Now = now,
            subscriptions.CurrentValue.ConfirmationLifetime,
            outbox.CurrentValue.KeepFinished,
        }, cancellationToken: cancellationToken));
        var topics = await connection.ExecuteAsync(new CommandDefinition(TopicsSql, new { Now = now }, cancellationToken: cancellationToken));
        var result = new HousekeepingResult(counts.ExpiredLinks, counts.StaleSignups, topics, counts.FinishedMail);
        if (result != HousekeepingResult.Nothing)
        {
            logger.LogInformation(
                "Housekeeping deleted {ExpiredLinks} expired confirmation links, {StaleSignups} unconfirmed sign-ups, {UnfollowedTopics} unfollowed topics, {FinishedMail} old mail records",
                result.ExpiredLinks, result.StaleSignups, result.UnfollowedTopics, result.FinishedMail);
        }
        return result;
    }

    sealed record Counts(int ExpiredLinks, int StaleSignups, int FinishedMail);
}

internal sealed record HousekeepingResult(int ExpiredLinks, int StaleSignups, int UnfollowedTopics, int FinishedMail)
{
    public static HousekeepingResult Nothing { get; } = new(0, 0, 0, 0);
}

/// <summary>Runs <see cref="Housekeeping"/> at start and then every Subscriptions:HousekeepingInterval.</summary>
internal sealed class HousekeepingService(Housekeeping housekeeping, TimeProvider clock, IOptionsMonitor<SubscriptionsOptions> options, ILogger<HousekeepingService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await housekeeping.RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(e, "Housekeeping failed; trying again at the next interval");
            }
            await Task.Delay(options.CurrentValue.HousekeepingInterval, clock, stoppingToken);
        }
    }
}

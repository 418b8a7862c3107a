using Dapper;
using Digest.Mailer;
using Digest.Subscriptions.Delivery;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Digest.Subscriptions.Outbox;

/// <summary>
/// Delivers due transactional mail through the leased queue (<see cref="LeasedQueue{TMail}"/>): the
/// one place that claims outbox rows and records what became of them. Safe on every instance at
/// once. Digest delivery drains it before each batch of digests, so confirmations never wait behind
/// a million digests.
/// </summary>
public sealed class OutboxDelivery(
    NpgsqlDataSource dataSource,
    IServiceProvider services,
    TimeProvider clock,
    IOptionsMonitor<OutboxOptions> options,
    ILogger<OutboxDelivery> logger)
    : LeasedQueue<OutboxDelivery.ClaimedMail>(dataSource, clock, logger)
{
    bool _warnedNoTransport;

    protected override string Table => "outbox";

    protected override LeasedQueueOptions Settings => options.CurrentValue;

    protected override bool CanSend
    {
        get
        {
            if (services.GetService<IMailTransport>() is not null)
                return true;
            if (!_warnedNoTransport)
                logger.LogWarning("No mail transport is registered: transactional mail stays queued in the outbox");
            _warnedNoTransport = true;
            return false;
        }
    }

    // Pushing due_at out by the lease is the claim: if this worker dies, the rows come due again
    // and another instance takes them.
    protected override string ClaimSql => """
        WITH due AS (
            SELECT id FROM outbox
            WHERE state = 'queued' AND due_at <= @Now
            ORDER BY due_at, id
            LIMIT @BatchSize
            FOR UPDATE SKIP LOCKED)
        UPDATE outbox o
        SET due_at = @LeaseEnd, claimed_by = @Claim, attempts = o.attempts + 1
        FROM due
        WHERE o.id = due.id
        RETURNING o.id AS Id, o.kind AS Kind, o.subscriber_id AS SubscriberId, o.attempts AS Attempts,
                  o.unknown_resent AS UnknownResent, o.created_at AS QueuedAt, o.message::text AS Message
        """;

    // The fence and whether the subscriber may still get it: an unsubscribe or a suppression since
    // it was queued cancels it.
    static readonly string CheckSql = $"""
        SELECT o.id AS Id, {Held("o")} AS Held,
               (o.subscriber_id IS NULL OR EXISTS (
                   SELECT FROM subscribers s WHERE s.id = o.subscriber_id AND s.status = ANY (o.send_if_status))) AS MaySend
        FROM outbox o
        WHERE o.id = ANY (@Ids)
        """;

    protected override Task<IEnumerable<(long Id, bool? Held, bool MaySend)>> MaySendAsync(
        NpgsqlConnection connection, Guid claim, long[] ids, DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.QueryAsync<(long Id, bool? Held, bool MaySend)>(new CommandDefinition(CheckSql, new { Ids = ids, Claim = claim, Now = now }, cancellationToken: cancellationToken));

    protected override async Task<Attempt> SendAsync(ClaimedMail mail, CancellationToken cancellationToken)
    {
        var transport = services.GetRequiredService<IMailTransport>();
        return Attempt.From(await transport.SendAsync(StoredMessage.Deserialize(mail.Message), cancellationToken));
    }

    protected override async Task<(int Recorded, int Suppressed)> RecordAsync(
        NpgsqlConnection connection, Guid claim, IReadOnlyList<(ClaimedMail Mail, Decision Decision)> rows, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Once the outcome is final the message goes: it may hold a single-use token.
        const string Sql = """
            UPDATE outbox x
            SET state = o.state, due_at = o.due_at, claimed_by = NULL, last_outcome = o.outcome, fault = o.fault,
                detail = o.detail, unknown_resent = o.unknown_resent,
                message = CASE WHEN o.state = 'queued' THEN x.message END,
                finished_at = CASE WHEN o.state = 'queued' THEN NULL ELSE @Now END
            FROM unnest(@Ids, @States, @Outcomes, @Faults, @Details, @DueAts, @UnknownResent)
                AS o(id, state, outcome, fault, detail, due_at, unknown_resent)
            WHERE x.id = o.id AND x.claimed_by = @Claim
            """;
        var recorded = await connection.ExecuteAsync(new CommandDefinition(Sql, Decision.Columns(rows.Select(r => r.Decision).ToList(), claim, now), cancellationToken: cancellationToken));
        foreach (var (mail, decision) in rows)
            logger.LogInformation("Outbox mail {OutboxId} ({Kind}) for subscriber {SubscriberId}: {State}", mail.Id, mail.Kind, mail.SubscriberId, decision.State);
        return (recorded, 0);
    }

    public sealed record ClaimedMail(long Id, string Kind, long? SubscriberId, int Attempts, bool UnknownResent, DateTime QueuedAt, string Message)
        : IQueuedMail;
}

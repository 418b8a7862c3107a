using Dapper;
using Digest.Mailer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Digest.Subscriptions.Outbox;

/// <summary>
/// Delivers due transactional mail, one claimed batch at a time: the one place that claims outbox
/// rows and records what became of them. Safe to run on every instance at once (rows are claimed
/// with FOR UPDATE SKIP LOCKED, held by a lease). Digest delivery calls <see cref="DeliverDueAsync"/>
/// before each batch of digests, so confirmations never wait behind a million digests.
/// </summary>
public sealed class OutboxDelivery(
    NpgsqlDataSource dataSource,
    IServiceProvider services,
    TimeProvider clock,
    IOptionsMonitor<OutboxOptions> options,
    ILogger<OutboxDelivery> logger)
{
    bool _warnedNoTransport;

    /// <summary>Claims up to one batch of due mail, sends it and records each outcome.</summary>
    /// <returns>How many rows were claimed (0: nothing is due).</returns>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken = default)
    {
        if (services.GetService<IMailTransport>() is not { } transport)
        {
            if (!_warnedNoTransport)
                logger.LogWarning("No mail transport is registered: transactional mail stays queued in the outbox");
            _warnedNoTransport = true;
            return 0;
        }
        var settings = options.CurrentValue;
        var claim = Guid.NewGuid();
        var batch = await ClaimAsync(claim, settings, cancellationToken);
        foreach (var row in batch)
        {
            var outcome = row.MaySend ? await SendAsync(transport, row, cancellationToken) : Outcome.Cancelled;
            await RecordAsync(claim, row, outcome, settings);
        }
        return batch.Count;
    }

    async Task<IReadOnlyList<ClaimedMail>> ClaimAsync(Guid claim, OutboxOptions settings, CancellationToken cancellationToken)
    {
        // Pushing due_at out by the lease is the claim: if this worker dies, the rows come due again
        // and another instance takes them. Whether the subscriber may still get the mail is read
        // here, just before sending: an unsubscribe or a suppression since it was queued cancels it.
        const string Sql = """
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
                      o.message::text AS Message,
                      (o.subscriber_id IS NULL OR EXISTS (
                          SELECT FROM subscribers s WHERE s.id = o.subscriber_id AND s.status = ANY (o.send_if_status))) AS MaySend
            """;
        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<ClaimedMail>(new CommandDefinition(Sql, new
        {
            Now = now,
            LeaseEnd = now + settings.Lease,
            Claim = claim,
            settings.BatchSize,
        }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    async Task<Outcome> SendAsync(IMailTransport transport, ClaimedMail row, CancellationToken cancellationToken)
    {
        try
        {
            var result = await transport.SendAsync(StoredMessage.Deserialize(row.Message), cancellationToken);
            return new Outcome(result.Outcome, result.Detail);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A transport reports delivery problems as outcomes; an exception is a bug or a broken
            // setup. Deferring keeps the mail (with backoff) instead of losing it.
            logger.LogError(e, "Sending outbox mail {OutboxId} ({Kind}) threw", row.Id, row.Kind);
            return new Outcome(DeliveryOutcome.Deferred, e.GetType().Name + ": " + e.Message);
        }
    }

    async Task RecordAsync(Guid claim, ClaimedMail row, Outcome outcome, OutboxOptions settings)
    {
        var now = clock.GetUtcNow();
        var (state, dueAt) = outcome.Result switch
        {
            DeliveryOutcome.Sent => ("sent", now),
            DeliveryOutcome.Failed => ("failed", now),
            DeliveryOutcome.Unknown => ("unknown", now),
            DeliveryOutcome.Deferred when row.Attempts >= settings.MaxAttempts => ("failed", now),
            DeliveryOutcome.Deferred => ("queued", now + RetryDelay.After(row.Attempts, settings.RetryDelay, settings.MaxRetryDelay)),
            _ => ("cancelled", now),
        };
        // Once the outcome is final the message goes: it may hold a single-use token.
        const string Sql = """
            UPDATE outbox
            SET state = @State,
                due_at = @DueAt,
                claimed_by = NULL,
                last_outcome = @LastOutcome,
                detail = @Detail,
                message = CASE WHEN @State = 'queued' THEN message END,
                finished_at = CASE WHEN @State = 'queued' THEN NULL ELSE @Now END
            WHERE id = @Id AND claimed_by = @Claim
            """;
        var detail = outcome.Result is null ? "the subscriber's status no longer allows this mail"
            : state == "failed" && outcome.Result == DeliveryOutcome.Deferred ? $"gave up after {row.Attempts} attempts: {outcome.Detail}"
            : outcome.Detail;
        // Recorded even if the worker is being stopped: the mail has gone, and saying so prevents a resend.
        await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
        var updated = await connection.ExecuteAsync(new CommandDefinition(Sql, new
        {
            row.Id,
            Claim = claim,
            State = state,
            DueAt = dueAt,
            LastOutcome = outcome.Result?.ToString() ?? "Cancelled",
            Detail = Truncate(detail, 1000),
            Now = now,
        }, cancellationToken: CancellationToken.None));
        if (updated == 0)
            logger.LogWarning("Outbox mail {OutboxId} was taken over by another worker before its outcome ({State}) was recorded", row.Id, state);
        else if (state is "failed" or "unknown")
            logger.LogWarning("Outbox mail {OutboxId} ({Kind}) for subscriber {SubscriberId}: {State}: {Detail}", row.Id, row.Kind, row.SubscriberId, state, detail);
        else
            logger.LogInformation("Outbox mail {OutboxId} ({Kind}) for subscriber {SubscriberId}: {State}", row.Id, row.Kind, row.SubscriberId, state);
    }

    static string? Truncate(string? text, int max) => text is null || text.Length <= max ? text : text[..max];

    sealed record ClaimedMail(long Id, string Kind, long? SubscriberId, int Attempts, string Message, bool MaySend);

    /// <summary>A send's result; a null <see cref="Result"/> means it was not sent at all.</summary>
    sealed record Outcome(DeliveryOutcome? Result, string? Detail)
    {
        public static Outcome Cancelled { get; } = new(null, null);
    }
}

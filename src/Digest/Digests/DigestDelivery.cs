using Dapper;
using Digest.Mailer;
using Digest.Subscriptions.Links;
using Digest.Subscriptions.Outbox;
using Digest.Subscriptions.Site;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Digest.Digests;

/// <summary>
/// Delivers due digest issues one claimed batch at a time: claim (FOR UPDATE SKIP LOCKED, a lease),
/// render, send through the Mailer with a stable Message-ID per issue, and record every outcome of
/// the batch in one statement. Safe on every instance at once. Transactional mail (confirmations)
/// goes first: each batch starts by draining the outbox.
/// </summary>
public sealed class DigestDelivery(
    NpgsqlDataSource dataSource,
    IssueReader reader,
    DigestRenderer renderer,
    PublicSite site,
    OutboxDelivery outbox,
    IMailTransport transport,
    TimeProvider clock,
    IOptionsMonitor<DigestsOptions> options,
    ILogger<DigestDelivery> logger)
{
    /// <summary>Claims up to one batch of due issues, sends them and records each outcome.</summary>
    /// <returns>What the batch came to; <see cref="DeliveryReport.Claimed"/> 0 means nothing was due.</returns>
    public async Task<DeliveryReport> DeliverDueAsync(CancellationToken cancellationToken = default)
    {
        while (await outbox.DeliverDueAsync(cancellationToken) > 0)
        {
        }

        var settings = options.CurrentValue;
        var claim = Guid.NewGuid();
        var batch = await ClaimAsync(claim, settings, cancellationToken);
        if (batch.Count == 0)
            return DeliveryReport.Nothing;

        var contents = await reader.ReadManyAsync(batch.Where(i => i.MaySend).Select(i => i.Id).ToList(), cancellationToken);
        var results = new Result[batch.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, batch.Count),
            new ParallelOptions { MaxDegreeOfParallelism = settings.SendConcurrency, CancellationToken = cancellationToken },
            async (index, token) => results[index] = await SendAsync(batch[index], contents, token));

        return await RecordAsync(claim, batch, results, settings);
    }

    /// <summary>The Message-ID of an issue: the same for every attempt, so a receiver can drop a resent duplicate.</summary>
    public static string MessageId(long issueId, DateOnly period, string domain) =>
        $"digest-{issueId}-{period:yyyyMMdd}@{domain}";

    async Task<IReadOnlyList<ClaimedIssue>> ClaimAsync(Guid claim, DigestsOptions settings, CancellationToken cancellationToken)
    {
        // Pushing due_at out by the lease is the claim: if this instance dies, the issues come due
        // again and another takes them. The subscriber's status is read now, just before sending:
        // an unsubscribe, pause or suppression since planning cancels the issue.
        const string Sql = """
            WITH due AS (
                SELECT id FROM digest_issues
                WHERE state = 'queued' AND due_at <= @Now
                ORDER BY due_at, id
                LIMIT @BatchSize
                FOR UPDATE SKIP LOCKED)
            UPDATE digest_issues i
            SET due_at = @LeaseEnd, claimed_by = @Claim, attempts = i.attempts + 1
            FROM due, subscribers s
            WHERE i.id = due.id AND s.id = i.subscriber_id
            RETURNING i.id AS Id, i.subscriber_id AS SubscriberId, s.email AS Email, i.period AS Period,
                      i.attempts AS Attempts, i.unknown_resent AS UnknownResent, i.planned_at AS PlannedAt,
                      s.status = 'active' AS MaySend
            """;
        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<ClaimedIssue>(new CommandDefinition(Sql, new
        {
            Now = now,
            LeaseEnd = now + settings.Lease,
            Claim = claim,
            settings.BatchSize,
        }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    async Task<Result> SendAsync(ClaimedIssue issue, IReadOnlyDictionary<long, DigestContent> contents, CancellationToken cancellationToken)
    {
        if (!issue.MaySend)
            return new Result(null, "the subscriber is no longer active");
        if (!contents.TryGetValue(issue.Id, out var content) || content.Papers.Count == 0)
            return new Result(DeliveryOutcome.Failed, "none of the issue's papers exist any more", NotSent: true);
        EmailMessage message;
        try
        {
            message = Compose(issue.Id, MailboxAddress.Parse(issue.Email), content);
        }
        catch (Exception e) when (e is InvalidMessageException or FormatException or ArgumentException)
        {
            // The address or a header cannot be written: no relay could ever take it.
            return new Result(DeliveryOutcome.Failed, "not sendable: " + e.Message, NotSent: true);
        }
        try
        {
            var sent = await transport.SendAsync(message, cancellationToken);
            return new Result(sent.Outcome, sent.Detail);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A transport reports delivery problems as outcomes; an exception is a bug or a broken
            // setup. Deferring keeps the issue (with backoff) instead of losing it.
            logger.LogError(e, "Sending digest issue {IssueId} threw", issue.Id);
            return new Result(DeliveryOutcome.Deferred, e.GetType().Name + ": " + e.Message);
        }
    }

    /// <summary>The mail of one issue as it is sent: rendered, addressed, with its stable Message-ID and list headers.</summary>
    public EmailMessage Compose(long issueId, MailboxAddress to, DigestContent content)
    {
        var email = renderer.Render(content);
        var from = site.From;
        var links = new SubscriberLinks(content.ManageUrl, content.UnsubscribeUrl);
        return new EmailMessage
        {
            From = from,
            To = [to],
            Subject = email.Subject,
            TextBody = email.Text,
            HtmlBody = email.Html,
            MessageId = MessageId(issueId, content.Period, from.Domain),
            Headers =
            [
                .. links.ListUnsubscribeHeaders,
                new("List-Id", $"Digest <digest.{from.Domain}>"),
                new("Auto-Submitted", "auto-generated"),
            ],
        };
    }

    async Task<DeliveryReport> RecordAsync(Guid claim, IReadOnlyList<ClaimedIssue> batch, Result[] results, DigestsOptions settings)
    {
        var now = clock.GetUtcNow();
        var rows = batch.Select((issue, i) => Decide(issue, results[i], now, settings)).ToList();
        // One statement for the whole batch: the issues' outcomes, then the addresses' hard-failure
        // counts (reset by a delivery; at the limit the subscriber is suppressed). A row another
        // worker took over after this claim's lease ran out is not touched.
        const string Sql = """
            WITH outcome AS (
                SELECT * FROM unnest(@Ids, @States, @Outcomes, @Details, @DueAts, @UnknownResent)
                    AS o(id, state, outcome, detail, due_at, unknown_resent)),
            recorded AS (
                UPDATE digest_issues i
                SET state = o.state, last_outcome = o.outcome, detail = o.detail, due_at = o.due_at,
                    unknown_resent = o.unknown_resent, claimed_by = NULL,
                    finished_at = CASE WHEN o.state = 'queued' THEN NULL ELSE @Now END
                FROM outcome o
                WHERE i.id = o.id AND i.claimed_by = @Claim
                RETURNING i.subscriber_id, o.state, o.outcome),
            bounced AS (
                UPDATE subscribers s
                SET hard_failures = s.hard_failures + f.n,
                    status = CASE WHEN s.status = 'active' AND s.hard_failures + f.n >= @SuppressAfter THEN 'suppressed' ELSE s.status END,
                    updated_at = @Now
                FROM (SELECT subscriber_id, count(*)::int AS n FROM recorded WHERE outcome = 'Failed' GROUP BY subscriber_id) f
                WHERE s.id = f.subscriber_id
                RETURNING s.status, s.hard_failures),
            delivered AS (
                UPDATE subscribers s SET hard_failures = 0
                FROM (SELECT DISTINCT subscriber_id FROM recorded r WHERE r.state = 'sent'
                      AND NOT EXISTS (SELECT FROM recorded f WHERE f.subscriber_id = r.subscriber_id AND f.outcome = 'Failed')) d
                WHERE s.id = d.subscriber_id AND s.hard_failures <> 0)
            SELECT (SELECT count(*)::int FROM recorded) AS Recorded,
                   (SELECT count(*)::int FROM bounced WHERE status = 'suppressed' AND hard_failures >= @SuppressAfter) AS Suppressed
            """;
        // Recorded even if the worker is being stopped: the mail has gone, and saying so prevents a resend.
        await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
        var written = await connection.QuerySingleAsync<(int Recorded, int Suppressed)>(new CommandDefinition(Sql, new
        {
            Ids = rows.Select(r => r.Id).ToArray(),
            States = rows.Select(r => r.State).ToArray(),
            Outcomes = rows.Select(r => r.Outcome).ToArray(),
            Details = rows.Select(r => r.Detail).ToArray(),
            DueAts = rows.Select(r => r.DueAt.UtcDateTime).ToArray(),
            UnknownResent = rows.Select(r => r.UnknownResent).ToArray(),
            Claim = claim,
            Now = now,
            SuppressAfter = settings.SuppressAfterHardFailures,
        }, cancellationToken: CancellationToken.None));
        if (written.Recorded < rows.Count)
            logger.LogWarning("{Count} digest issues were taken over by another worker before their outcomes were recorded", rows.Count - written.Recorded);
        foreach (var row in rows.Where(r => r.State is "failed" or "unknown" or "expired"))
            logger.LogWarning("Digest issue {IssueId}: {State}: {Detail}", row.Id, row.State, row.Detail);

        return new DeliveryReport(
            batch.Count,
            Sent: rows.Count(r => r.State == "sent"),
            Deferred: rows.Count(r => r.State == "queued" && r.Outcome == nameof(DeliveryOutcome.Deferred)),
            Failed: rows.Count(r => r.State is "failed" or "expired"),
            Unknown: rows.Count(r => r.Outcome == nameof(DeliveryOutcome.Unknown)),
            Cancelled: rows.Count(r => r.State == "cancelled"),
            Suppressed: written.Suppressed);
    }

    /// <summary>What an outcome means for the issue: final, or queued again (when, and why).</summary>
    static OutcomeRow Decide(ClaimedIssue issue, Result result, DateTimeOffset now, DigestsOptions settings)
    {
        var outcome = result.NotSent ? "NotSent" : result.Outcome?.ToString() ?? "Cancelled";
        switch (result.Outcome)
        {
            case DeliveryOutcome.Sent:
                return new(issue.Id, "sent", outcome, result.Detail, now, issue.UnknownResent);
            case DeliveryOutcome.Failed:
                return new(issue.Id, "failed", outcome, result.Detail, now, issue.UnknownResent);
            case DeliveryOutcome.Unknown when !issue.UnknownResent:
                // Maybe delivered, maybe not: once more, with the same Message-ID.
                return new(issue.Id, "queued", outcome, result.Detail, now + RetryDelay.After(1, settings.RetryDelay, settings.MaxRetryDelay), true);
            case DeliveryOutcome.Unknown:
                return new(issue.Id, "unknown", outcome, result.Detail, now, true);
            case DeliveryOutcome.Deferred:
                var next = now + RetryDelay.After(issue.Attempts, settings.RetryDelay, settings.MaxRetryDelay);
                return next - new DateTimeOffset(DateTime.SpecifyKind(issue.PlannedAt, DateTimeKind.Utc)) > settings.GiveUpAfter
                    ? new(issue.Id, "expired", outcome, $"gave up after {issue.Attempts} attempts over {settings.GiveUpAfter}: {result.Detail}", now, issue.UnknownResent)
                    : new(issue.Id, "queued", outcome, result.Detail, next, issue.UnknownResent);
            default:
                return new(issue.Id, "cancelled", outcome, result.Detail, now, issue.UnknownResent);
        }
    }

    sealed record ClaimedIssue(long Id, long SubscriberId, string Email, DateOnly Period, int Attempts, bool UnknownResent, DateTime PlannedAt, bool MaySend);

    /// <summary>A send's result; a null <see cref="Outcome"/> means it was not sent at all (cancelled).</summary>
    /// <param name="NotSent">Failed here, before any relay saw it: not the address's fault, so no hard failure.</param>
    sealed record Result(DeliveryOutcome? Outcome, string? Detail, bool NotSent = false);

    sealed record OutcomeRow(long Id, string State, string Outcome, string? Detail, DateTimeOffset DueAt, bool UnknownResent);
}

/// <summary>What one delivery batch came to.</summary>
public sealed record DeliveryReport(int Claimed, int Sent, int Deferred, int Failed, int Unknown, int Cancelled, int Suppressed)
{
    public static DeliveryReport Nothing { get; } = new(0, 0, 0, 0, 0, 0, 0);

    public static DeliveryReport operator +(DeliveryReport a, DeliveryReport b) => new(
        a.Claimed + b.Claimed, a.Sent + b.Sent, a.Deferred + b.Deferred, a.Failed + b.Failed,
        a.Unknown + b.Unknown, a.Cancelled + b.Cancelled, a.Suppressed + b.Suppressed);
}

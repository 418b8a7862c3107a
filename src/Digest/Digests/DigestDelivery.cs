using Dapper;
using Digest.Mailer;
using Digest.Subscriptions.Delivery;
using Digest.Subscriptions.Links;
using Digest.Subscriptions.Outbox;
using Digest.Subscriptions.Site;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Digest.Digests;

/// <summary>
/// Delivers due digest issues through the leased queue (<see cref="LeasedQueue{TMail}"/>): claim a
/// batch, render, send through the Mailer with a stable Message-ID per issue, record every outcome
/// of the batch in one statement. Safe on every instance at once. Transactional mail
/// (confirmations) goes first: each batch starts by draining the outbox.
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
    : LeasedQueue<DigestDelivery.ClaimedIssue>(dataSource, clock, logger)
{
    protected override string Table => "digest_issues";

    protected override LeasedQueueOptions Settings => options.CurrentValue;

    /// <summary>Drains the outbox, then claims up to one batch of due issues, sends them and records each outcome.</summary>
    /// <param name="stopping">The worker is stopping: no new send starts; sends under way finish and are recorded.</param>
    /// <param name="dueBy">Only what was due by then (the send verb's run); default now.</param>
    /// <returns>What the batch came to; <see cref="DeliveryReport.Claimed"/> 0 means nothing was due.</returns>
    public async Task<DeliveryReport> DeliverDueAsync(DateTimeOffset? dueBy = null, CancellationToken stopping = default)
    {
        while ((await outbox.DeliverBatchAsync(dueBy, stopping)).Claimed > 0 && !stopping.IsCancellationRequested)
        {
        }
        return await DeliverBatchAsync(dueBy, stopping);
    }

    /// <summary>The Message-ID of an issue: the same for every attempt, so a receiver can drop a resent duplicate.</summary>
    public static string MessageId(long issueId, DateOnly period, string domain) =>
        $"digest-{issueId}-{period:yyyyMMdd}@{domain}";

    protected override string ClaimSql => IssueClaimSql;

    // Pushing due_at out by the lease is the claim: if this instance dies, the issues come due
    // again and another takes them. Whether the subscriber may still get it is asked later, right
    // before each send.
    internal const string IssueClaimSql = """
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
                      i.attempts AS Attempts, i.unknown_resent AS UnknownResent, i.planned_at AS QueuedAt
            """;

    // The fence and the last look at the subscriber, in one read: whether the subscriber is still
    // active (an unsubscribe, pause or suppression committed since the claim stops the mail).
    static readonly string CheckSql = $"""
        SELECT i.id AS Id, {Held("i")} AS Held, s.status = 'active' AS MaySend
        FROM digest_issues i JOIN subscribers s ON s.id = i.subscriber_id
        WHERE i.id = ANY (@Ids)
        """;

    protected override Task<IEnumerable<(long Id, bool? Held, bool MaySend)>> MaySendAsync(
        NpgsqlConnection connection, Guid claim, long[] ids, DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.QueryAsync<(long Id, bool? Held, bool MaySend)>(new CommandDefinition(CheckSql, new { Ids = ids, Claim = claim, Now = now }, cancellationToken: cancellationToken));

    protected override async Task<IReadOnlyList<ClaimedIssue>> PrepareAsync(IReadOnlyList<ClaimedIssue> batch, CancellationToken cancellationToken)
    {
        var contents = await reader.ReadManyAsync(batch.Select(i => i.Id).ToList(), cancellationToken);
        return batch.Select(i => i with { Content = contents.GetValueOrDefault(i.Id) }).ToList();
    }

    protected override async Task<Attempt> SendAsync(ClaimedIssue issue, CancellationToken cancellationToken)
    {
        if (issue.Content is not { Papers.Count: > 0 } content)
            return Attempt.NotSendable("none of the issue's papers exist any more");
        DigestMail? email = null;
        EmailMessage message;
        try
        {
            email = renderer.RenderToSend(content);
            message = Compose(issue.Id, MailboxAddress.Parse(issue.Email), content, email);
        }
        catch (Exception e) when (e is InvalidMessageException or FormatException or ArgumentException)
        {
            // The text, the address or a header cannot be written: no relay could ever take it.
            email?.Dispose();
            return Attempt.NotSendable("not sendable: " + e.Message);
        }
        // The bodies are rented: back once the mail is written and sent (or could not be).
        using (email)
            return Attempt.From(await transport.SendAsync(message, cancellationToken));
    }

    /// <summary>
    /// The mail of one issue as it is sent: <paramref name="email"/> (its rendering, which must
    /// stay undisposed until the message is sent) addressed, with its stable Message-ID and list headers.
    /// </summary>
    public EmailMessage Compose(long issueId, MailboxAddress to, DigestContent content, DigestMail email)
    {
        var from = site.From;
        var links = new SubscriberLinks(content.ManageUrl, content.UnsubscribeUrl);
        return new EmailMessage
        {
            From = from,
            EnvelopeFrom = content.ReturnPath,
            To = [to],
            Subject = email.Subject,
            // Encoded already when its shape was shared; otherwise the writer encodes its text.
            TextBodyQuotedPrintable = email.TextQuotedPrintable,
            HtmlBodyQuotedPrintable = email.HtmlQuotedPrintable,
            // Not "? null :": a null converts to an empty array's memory, which is a body.
            TextBodyUtf8 = email.IsEncoded ? default(ReadOnlyMemory<byte>?) : email.TextUtf8,
            HtmlBodyUtf8 = email.IsEncoded ? default(ReadOnlyMemory<byte>?) : email.HtmlUtf8,
            MessageId = MessageId(issueId, content.Period, from.Domain),
            Headers =
            [
                .. links.ListUnsubscribeHeaders,
                new("List-Id", $"Digest <digest.{from.Domain}>"),
                new("Auto-Submitted", "auto-generated"),
            ],
        };
    }

    protected override async Task<(int Recorded, int Suppressed)> RecordAsync(
        NpgsqlConnection connection, Guid claim, IReadOnlyList<(ClaimedIssue Mail, Decision Decision)> rows, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var parameters = Decision.Columns(rows.Select(r => r.Decision).ToList(), claim, now);
        parameters.Add("SuppressAfter", options.CurrentValue.SuppressAfterHardFailures);
        return await connection.QuerySingleAsync<(int Recorded, int Suppressed)>(new CommandDefinition(RecordSql, parameters, cancellationToken: cancellationToken));
    }

    // One statement for the whole batch: the issues' outcomes, then the addresses' hard-bounce
    // counts. Only a recipient's own hard bounce (Fault.Recipient) counts; a delivery resets the
    // count unless another issue of the batch hard-bounced at the same address; at the limit the
    // subscriber is suppressed, with the reason. A row another claim took over after this claim's
    // lease ran out is not touched. Who is reset excludes whoever bounced, so that no subscriber
    // row is updated by both (PostgreSQL keeps only one of two updates of a row in one statement,
    // and which is not defined). Who is reset is one pass over the batch's outcomes, grouped:
    // as a NOT EXISTS over them the planner, which takes a CTE for one row, ran a nested loop that
    // read the whole batch again for each sent issue (200 × 200 rows, ~4 ms of a 9 ms statement).
    internal const string RecordSql = """
            WITH outcome AS (
                SELECT * FROM unnest(@Ids, @States, @Outcomes, @Faults, @Details, @DueAts, @UnknownResent)
                    AS o(id, state, outcome, fault, detail, due_at, unknown_resent)),
            recorded AS (
                UPDATE digest_issues i
                SET state = o.state, last_outcome = o.outcome, fault = o.fault, detail = o.detail, due_at = o.due_at,
                    unknown_resent = o.unknown_resent, claimed_by = NULL,
                    finished_at = CASE WHEN o.state = 'queued' THEN NULL ELSE @Now END
                FROM outcome o
                WHERE i.id = o.id AND i.claimed_by = @Claim
                RETURNING i.subscriber_id, o.state, o.fault, o.detail),
            bounced AS (
                UPDATE subscribers s
                SET hard_failures = s.hard_failures + f.n,
                    status = CASE WHEN s.status = 'active' AND s.hard_failures + f.n >= @SuppressAfter THEN 'suppressed' ELSE s.status END,
                    suppressed_at = CASE WHEN s.status = 'active' AND s.hard_failures + f.n >= @SuppressAfter THEN @Now ELSE s.suppressed_at END,
                    suppressed_reason = CASE WHEN s.status = 'active' AND s.hard_failures + f.n >= @SuppressAfter
                        THEN left(format('%s hard bounces in a row; the last: %s', s.hard_failures + f.n, f.detail), 1000)
                        ELSE s.suppressed_reason END,
                    updated_at = @Now
                FROM (SELECT subscriber_id, count(*)::int AS n, max(detail) AS detail FROM recorded WHERE fault = 'recipient' AND state = 'failed' GROUP BY subscriber_id) f
                WHERE s.id = f.subscriber_id
                RETURNING s.status, s.hard_failures, s.suppressed_at),
            delivered AS (
                UPDATE subscribers s SET hard_failures = 0
                FROM (SELECT subscriber_id FROM recorded GROUP BY subscriber_id
                      HAVING count(*) FILTER (WHERE state = 'sent') > 0 AND count(*) FILTER (WHERE fault = 'recipient') = 0) d
                WHERE s.id = d.subscriber_id AND s.hard_failures <> 0)
            SELECT (SELECT count(*)::int FROM recorded) AS Recorded,
                   (SELECT count(*)::int FROM bounced WHERE status = 'suppressed' AND suppressed_at = @Now) AS Suppressed
            """;

    /// <summary>A claimed issue, with what sending it needs.</summary>
    public sealed record ClaimedIssue(long Id, long SubscriberId, string Email, DateOnly Period, int Attempts, bool UnknownResent, DateTime QueuedAt)
        : IQueuedMail
    {
        /// <summary>What the issue shows, read after the claim; null when it could not be read.</summary>
        public DigestContent? Content { get; init; }
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Dapper;
using Digest.Digests;
using Digest.Mailer.Bounces;
using Digest.Subscriptions.Links;
using Digest.Subscriptions.Site;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Digest.Bounces;

/// <summary>
/// Acts on one message from the bounce mailbox: reads it (<see cref="ReportParser"/>), finds the
/// mail it is about (the VERP token; else the quoted Message-ID of a digest, if the report also
/// names that digest's recipient), and records it once under its report key together with what it
/// does to the subscriber, in one transaction. Handling the same report again changes nothing.
/// </summary>
public sealed partial class BounceHandler(
    NpgsqlDataSource dataSource,
    ReturnPaths returnPaths,
    PublicSite site,
    TimeProvider clock,
    IOptionsMonitor<DigestsOptions> digests,
    ILogger<BounceHandler> logger)
{
    const int MaxDetail = 500;

    public async Task<BounceResult> HandleAsync(byte[] message, CancellationToken cancellationToken = default)
    {
        var report = ReportParser.Parse(message, cancellationToken);
        var key = report.MessageId is { } id ? "id:" + id : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(message));
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var earlier = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT outcome FROM bounce_reports WHERE report_key = @key", new { key }, cancellationToken: cancellationToken));
        if (earlier is not null)
            return new BounceResult(BounceOutcomes.FromColumn(earlier), Duplicate: true);

        var decision = await DecideAsync(connection, report, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        const string RecordSql = """
            INSERT INTO bounce_reports (report_key, outcome, subscriber_id, issue_id, status, detail, received_at)
            VALUES (@key, @Outcome, @SubscriberId, @IssueId, @Status, @Detail, @Now)
            ON CONFLICT (report_key) DO NOTHING
            """;
        var now = clock.GetUtcNow();
        var recorded = await connection.ExecuteAsync(new CommandDefinition(RecordSql, new
        {
            key,
            Outcome = decision.Outcome.ToColumn(),
            decision.SubscriberId,
            decision.IssueId,
            decision.Status,
            Detail = Cut(decision.Detail),
            Now = now,
        }, transaction, cancellationToken: cancellationToken));
        if (recorded == 0)
            return new BounceResult(decision.Outcome, Duplicate: true); // another instance took it meanwhile

        var result = decision.Outcome switch
        {
            BounceOutcome.HardBounce => new BounceResult(decision.Outcome,
                Suppressed: await CountHardBounceAsync(transaction, decision, now, cancellationToken)),
            BounceOutcome.Complaint => new BounceResult(decision.Outcome,
                Unsubscribed: await UnsubscribeAsync(transaction, decision.SubscriberId!.Value, now, cancellationToken)),
            _ => new BounceResult(decision.Outcome),
        };
        await transaction.CommitAsync(cancellationToken);
        if (result.Suppressed)
            logger.LogInformation("Subscriber {SubscriberId} suppressed after a hard bounce ({Status})", decision.SubscriberId, decision.Status);
        if (result.Unsubscribed)
            logger.LogInformation("Subscriber {SubscriberId} unsubscribed by a spam complaint", decision.SubscriberId);
        return result;
    }

    /// <summary>
    /// The subscriber's consecutive hard failures, the counter the SMTP-time failures use: at
    /// Digests:SuppressAfterHardFailures the address is suppressed. Only addresses we still mail
    /// count; an unsubscribed or already suppressed one is left as it is.
    /// </summary>
    async Task<bool> CountHardBounceAsync(NpgsqlTransaction transaction, Decision decision, DateTimeOffset now, CancellationToken cancellationToken)
    {
        const string Sql = """
            UPDATE subscribers
            SET hard_failures = hard_failures + 1,
                status = CASE WHEN hard_failures + 1 >= @Limit THEN 'suppressed' ELSE status END,
                suppressed_at = CASE WHEN hard_failures + 1 >= @Limit THEN @Now ELSE suppressed_at END,
                suppressed_reason = CASE WHEN hard_failures + 1 >= @Limit THEN @Reason ELSE suppressed_reason END,
                updated_at = @Now
            WHERE id = @SubscriberId AND status IN ('active', 'paused', 'pending')
            RETURNING status = 'suppressed'
            """;
        var suppressed = await transaction.Connection!.QuerySingleOrDefaultAsync<bool?>(new CommandDefinition(Sql, new
        {
            Limit = digests.CurrentValue.SuppressAfterHardFailures,
            Now = now,
            Reason = Cut($"hard bounce {decision.Status} (DSN): {decision.Detail}"),
            decision.SubscriberId,
        }, transaction, cancellationToken: cancellationToken));
        return suppressed == true;
    }

    static async Task<bool> UnsubscribeAsync(NpgsqlTransaction transaction, long subscriberId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        const string Sql = """
            UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = @now, updated_at = @now
            WHERE id = @subscriberId AND status IN ('active', 'paused', 'pending')
            """;
        return await transaction.Connection!.ExecuteAsync(new CommandDefinition(Sql, new { subscriberId, now }, transaction, cancellationToken: cancellationToken)) > 0;
    }

    async Task<Decision> DecideAsync(NpgsqlConnection connection, MailReport report, CancellationToken cancellationToken)
    {
        switch (report.Kind)
        {
            case ReportKind.Unparsed:
                return new Decision(BounceOutcome.Unparsed, Detail: report.Problem);
            case ReportKind.AutoReply:
                return new Decision(BounceOutcome.AutoReply);
            case ReportKind.Feedback when !report.IsComplaint:
                return new Decision(BounceOutcome.Ignored, Detail: $"feedback report of type {report.FeedbackType}");
        }

        // The recipient that decides: an address failure first, then any failure, then a delay.
        var recipient = report.Recipients.FirstOrDefault(r => r.IsAddressFailure)
                        ?? report.Recipients.FirstOrDefault(r => r.Action == RecipientAction.Failed)
                        ?? report.Recipients.FirstOrDefault(r => r.Action == RecipientAction.Delayed);
        var outcome = report.IsComplaint ? BounceOutcome.Complaint
            : recipient is null ? BounceOutcome.Ignored
            : recipient.IsAddressFailure ? BounceOutcome.HardBounce
            : recipient.Action == RecipientAction.Failed ? BounceOutcome.SoftBounce
            : BounceOutcome.Delayed;
        var detail = report.IsComplaint
            ? $"spam complaint (Feedback-Type: abuse){(report.MessageId is { } id ? " in report " + id : "")}"
            : recipient?.Diagnostic;
        if (outcome == BounceOutcome.Ignored)
            return new Decision(outcome, Detail: "no failed or delayed recipient");

        var mail = await FindMailAsync(connection, report, recipient, cancellationToken);
        return mail.Outcome is { } instead
            ? new Decision(instead, Status: recipient?.Status, Detail: detail)
            : new Decision(outcome, mail.SubscriberId, mail.IssueId, recipient?.Status, detail);
    }

    /// <summary>The mail a report is about; an <see cref="Found.Outcome"/> when it cannot be believed or found.</summary>
    async Task<Found> FindMailAsync(NpgsqlConnection connection, MailReport report, RecipientReport? recipient, CancellationToken cancellationToken)
    {
        var sawOurs = false;
        foreach (var address in report.SentTo.Append(report.Original?.ReturnPath))
        {
            if (address is null)
                continue;
            var match = await returnPaths.ReadAsync(address, cancellationToken);
            if (match.Verdict == ReturnPathVerdict.NotOurs)
                continue;
            sawOurs = true;
            if (match.Token is { } token)
                return await FromTokenAsync(connection, token, cancellationToken);
        }
        // A return path of ours that does not hold is not overruled by what the report's text claims.
        if (sawOurs)
            return Found.Unknown;
        if (report.Original?.MessageId is { } messageId && DigestMessageId().Match(messageId) is { Success: true } m
            && m.Groups["domain"].Value.Equals(site.From.Domain, StringComparison.OrdinalIgnoreCase)
            && long.TryParse(m.Groups["issue"].Value, CultureInfo.InvariantCulture, out var issueId)
            && DateOnly.TryParseExact(m.Groups["period"].Value, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var period))
        {
            const string Sql = """
                SELECT i.subscriber_id AS SubscriberId, s.email AS Email FROM digest_issues i JOIN subscribers s ON s.id = i.subscriber_id
                WHERE i.id = @issueId AND i.period = @period
                """;
            var issue = await connection.QuerySingleOrDefaultAsync<IssueOwner>(new CommandDefinition(Sql, new { issueId, period }, cancellationToken: cancellationToken));
            // Message-IDs can be guessed; the report must also name the address that issue went to.
            var named = report.Recipients.Select(r => r.Recipient).Append(recipient?.Recipient).Concat(report.Original.To);
            if (issue is not null && named.Any(a => string.Equals(a, issue.Email, StringComparison.OrdinalIgnoreCase)))
                return new Found(null, issue.SubscriberId, issueId);
        }
        return Found.Unmatched;
    }

    static async Task<Found> FromTokenAsync(NpgsqlConnection connection, BounceToken token, CancellationToken cancellationToken)
    {
        // Genuine, but the mail or its subscriber may be gone since (deleted data): nothing to act on.
        var sql = token.Mail == BouncedMail.DigestIssue
            ? "SELECT EXISTS (SELECT 1 FROM digest_issues WHERE id = @MailId AND subscriber_id = @SubscriberId)"
            : "SELECT EXISTS (SELECT 1 FROM subscribers WHERE id = @SubscriberId)";
        var exists = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(sql, new { token.MailId, token.SubscriberId }, cancellationToken: cancellationToken));
        return exists
            ? new Found(null, token.SubscriberId, token.Mail == BouncedMail.DigestIssue ? token.MailId : null)
            : Found.Unknown;
    }

    static string? Cut(string? text) => text is { Length: > MaxDetail } ? text[..MaxDetail] : text;

    // DigestDelivery.MessageId: digest-{issueId}-{yyyyMMdd}@{domain}
    [GeneratedRegex(@"^digest-(?<issue>\d{1,18})-(?<period>\d{8})@(?<domain>.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex DigestMessageId();

    sealed record Decision(BounceOutcome Outcome, long? SubscriberId = null, long? IssueId = null, string? Status = null, string? Detail = null);

    sealed record Found(BounceOutcome? Outcome, long? SubscriberId, long? IssueId)
    {
        public static readonly Found Unknown = new(BounceOutcome.UnknownToken, null, null);
        public static readonly Found Unmatched = new(BounceOutcome.Unmatched, null, null);
    }

    sealed record IssueOwner(long SubscriberId, string Email);
}

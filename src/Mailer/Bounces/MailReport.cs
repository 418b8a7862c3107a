namespace Digest.Mailer.Bounces;

/// <summary>What a message in the bounce mailbox is, as far as its own content says.</summary>
public enum ReportKind
{
    /// <summary>An RFC 3464 delivery status notification (multipart/report; report-type=delivery-status).</summary>
    DeliveryStatus,

    /// <summary>An RFC 5965 feedback report (report-type=feedback-report), e.g. a spam complaint.</summary>
    Feedback,

    /// <summary>A bounce without a report part (an old or odd MTA), read from its text.</summary>
    PlainBounce,

    /// <summary>A vacation or other automatic reply (RFC 3834): never a bounce.</summary>
    AutoReply,

    /// <summary>None of the above could be read from it.</summary>
    Unparsed,
}

/// <summary>RFC 3464 §2.3.3 Action.</summary>
public enum RecipientAction
{
    Failed,
    Delayed,
    Delivered,
    Relayed,
    Expanded,
    Other,
}

/// <summary>One recipient's fields of a report.</summary>
/// <param name="Recipient">The address (Final-Recipient, else Original-Recipient), without its "rfc822;" type.</param>
/// <param name="Status">The RFC 3463 code, e.g. "5.1.1".</param>
/// <param name="Diagnostic">The remote server's words (Diagnostic-Code), for people.</param>
public sealed record RecipientReport(string? Recipient, RecipientAction Action, string? Status, string? Diagnostic)
{
    /// <summary>
    /// A permanent failure that says the address itself is bad: 5.1.x (no such user, bad domain)
    /// or 5.2.1 (mailbox disabled). A full mailbox (5.2.2) or a policy refusal (5.7.x) is not.
    /// </summary>
    public bool IsAddressFailure =>
        Action == RecipientAction.Failed && Status is { } s && (s.StartsWith("5.1.", StringComparison.Ordinal) || s == "5.2.1");
}

/// <summary>The mail a report is about, as far as the report quotes it.</summary>
/// <param name="MessageId">Its Message-ID, without angle brackets.</param>
/// <param name="ReturnPath">Its Return-Path (present when the report quotes the headers as delivered).</param>
/// <param name="To">Its To addresses.</param>
public sealed record QuotedMessage(string? MessageId, string? ReturnPath, IReadOnlyList<string> To);

/// <param name="MessageId">The report's own Message-ID (without angle brackets), if it has one.</param>
/// <param name="SentTo">Where the report was addressed (To, Delivered-To, X-Original-To, Envelope-To): a VERP return path shows here.</param>
/// <param name="Original">The mail the report is about, when it quotes its headers.</param>
/// <param name="Recipients">Per recipient: DSN fields, or what a plain bounce's text says.</param>
/// <param name="FeedbackType">Feedback reports: Feedback-Type ("abuse", "fraud", "not-spam", …), lower-case.</param>
/// <param name="Problem">Why the report could not be read, for <see cref="ReportKind.Unparsed"/>.</param>
public sealed record MailReport(
    ReportKind Kind,
    string? MessageId,
    IReadOnlyList<string> SentTo,
    QuotedMessage? Original,
    IReadOnlyList<RecipientReport> Recipients,
    string? FeedbackType,
    string? Problem)
{
    public bool IsComplaint => Kind == ReportKind.Feedback && FeedbackType == "abuse";

    internal static MailReport Unparsed(string? messageId, IReadOnlyList<string> sentTo, string problem) =>
        new(ReportKind.Unparsed, messageId, sentTo, null, [], null, problem);
}

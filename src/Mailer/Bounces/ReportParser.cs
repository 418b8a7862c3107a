using System.Text.RegularExpressions;
using MimeKit;

namespace Digest.Mailer.Bounces;

/// <summary>
/// Reads a message from the bounce mailbox into a <see cref="MailReport"/> with MimeKit: DSNs
/// (RFC 3464), feedback reports (RFC 5965), plain-text bounces best effort, auto-replies (RFC 3834).
/// Knows nothing of subscribers. Never throws for bad input: what cannot be read is
/// <see cref="ReportKind.Unparsed"/>, with the reason.
/// </summary>
public static partial class ReportParser
{
    // Reports are small; anything nested deeper than this is not one (and deep nesting is an attack on parsers).
    static readonly ParserOptions Options = new() { MaxMimeDepth = 16 };

    static readonly string[] SentToHeaders = ["To", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To"];

    public static MailReport Parse(Stream message, CancellationToken cancellationToken = default)
    {
        MimeMessage mime;
        try
        {
            mime = MimeMessage.Load(Options, message, cancellationToken);
        }
        catch (Exception e) when (e is FormatException or ParseException or ArgumentException or InvalidOperationException or IOException)
        {
            return MailReport.Unparsed(null, [], "not a MIME message: " + e.Message);
        }
        try
        {
            return Read(mime);
        }
        catch (Exception e) when (e is FormatException or ParseException or ArgumentException or InvalidOperationException
                                      or NotSupportedException or IOException or System.Text.DecoderFallbackException)
        {
            // A part that claims to be a report but cannot be decoded.
            return MailReport.Unparsed(Clean(mime.MessageId), SentTo(mime), "unreadable report: " + e.Message);
        }
    }

    public static MailReport Parse(byte[] message, CancellationToken cancellationToken = default)
    {
        using var stream = new MemoryStream(message, writable: false);
        return Parse(stream, cancellationToken);
    }

    static MailReport Read(MimeMessage mime)
    {
        var messageId = Clean(mime.MessageId);
        var sentTo = SentTo(mime);
        var report = mime.BodyParts.OfType<MessageDeliveryStatus>().FirstOrDefault();
        if (report is not null)
            return DeliveryStatus(mime, messageId, sentTo, report);
        var feedback = mime.BodyParts.OfType<MessageFeedbackReport>().FirstOrDefault();
        if (feedback is not null)
            return Feedback(mime, messageId, sentTo, feedback);
        if (mime.Body is MultipartReport multipart)
            return MailReport.Unparsed(messageId, sentTo, $"a multipart/report ({multipart.ReportType ?? "no report-type"}) without its report part");
        if (PlainBounce(mime, messageId, sentTo) is { } plain)
            return plain;
        // A mailer daemon's message marks itself auto-replied too (RFC 3834 §2): one we cannot read
        // is an unread bounce for a person to look at, not a vacation reply.
        if (LooksLikeBounce(mime))
            return MailReport.Unparsed(messageId, sentTo, "looks like a bounce, but names no failed recipient with a status code");
        if (IsAutoReply(mime))
            return new MailReport(ReportKind.AutoReply, messageId, sentTo, Quoted(mime), [], null, null);
        return MailReport.Unparsed(messageId, sentTo, "no report part, and the text names no failed recipient with a status code");
    }

    static MailReport DeliveryStatus(MimeMessage mime, string? messageId, IReadOnlyList<string> sentTo, MessageDeliveryStatus report)
    {
        // The first group is about the message (Reporting-MTA, Arrival-Date); each later one about a recipient.
        var groups = report.StatusGroups;
        var recipients = new List<RecipientReport>();
        for (var i = 1; i < groups.Count; i++)
        {
            var fields = groups[i];
            var recipient = Address(fields["Final-Recipient"]) ?? Address(fields["Original-Recipient"]);
            var status = StatusCode(fields["Status"]);
            recipients.Add(new RecipientReport(recipient, Action(fields["Action"]), status, Trim(fields["Diagnostic-Code"])));
        }
        if (recipients.Count == 0)
            return MailReport.Unparsed(messageId, sentTo, "a delivery-status report without a recipient");
        return new MailReport(ReportKind.DeliveryStatus, messageId, sentTo, Quoted(mime), recipients, null, null);
    }

    static MailReport Feedback(MimeMessage mime, string? messageId, IReadOnlyList<string> sentTo, MessageFeedbackReport report)
    {
        var fields = report.Fields;
        var type = Trim(fields["Feedback-Type"])?.ToLowerInvariant();
        if (type is null)
            return MailReport.Unparsed(messageId, sentTo, "a feedback report without Feedback-Type");
        var recipients = fields.Where(f => f.Field.Equals("Original-Rcpt-To", StringComparison.OrdinalIgnoreCase))
            .Select(f => new RecipientReport(Address(f.Value), RecipientAction.Other, null, null))
            .ToList();
        return new MailReport(ReportKind.Feedback, messageId, sentTo, Quoted(mime), recipients, type, null);
    }

    /// <summary>
    /// Bounces without a report part (qmail, old Exim, some webmail): a daemon sender or an
    /// X-Failed-Recipients header, and a status code in the text. Without both, it is not guessed at.
    /// </summary>
    static MailReport? PlainBounce(MimeMessage mime, string? messageId, IReadOnlyList<string> sentTo)
    {
        var failedHeader = mime.Headers["X-Failed-Recipients"];
        if (!LooksLikeBounce(mime))
            return null;
        var text = mime.GetTextBody(MimeKit.Text.TextFormat.Plain) ?? "";
        if (text.Length > 64 * 1024)
            text = text[..(64 * 1024)];
        var code = EnhancedStatus().Match(text);
        var status = code.Success ? code.Value : null;
        var own = new HashSet<string>(mime.From.Mailboxes.Concat(mime.To.Mailboxes).Select(m => m.Address), StringComparer.OrdinalIgnoreCase);
        var named = failedHeader is not null
            ? failedHeader.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList()
            : EmailInText().Matches(text).Select(m => m.Value).Where(a => !own.Contains(a)).Distinct(StringComparer.OrdinalIgnoreCase).Take(1).ToList();
        if (named.Count == 0 || status is null)
            return null;
        var action = status[0] == '4' ? RecipientAction.Delayed : status[0] == '5' ? RecipientAction.Failed : RecipientAction.Other;
        var diagnostic = Trim(text.Length > 500 ? text[..500] : text);
        return new MailReport(ReportKind.PlainBounce, messageId, sentTo, Quoted(mime),
            named.Select(r => new RecipientReport(r, action, status, diagnostic)).ToList(), null, null);
    }

    static bool LooksLikeBounce(MimeMessage mime) =>
        mime.Headers.Contains("X-Failed-Recipients")
        || DaemonSender().IsMatch(mime.From.Mailboxes.FirstOrDefault()?.LocalPart ?? "")
        || BounceSubject().IsMatch(mime.Subject ?? "");

    /// <summary>RFC 3834 Auto-Submitted (anything but "no"), and the older markers vacation programs still send.</summary>
    static bool IsAutoReply(MimeMessage mime)
    {
        var headers = mime.Headers;
        var autoSubmitted = Trim(headers["Auto-Submitted"]);
        if (autoSubmitted is not null && !autoSubmitted.StartsWith("no", StringComparison.OrdinalIgnoreCase))
            return true;
        if (headers.Contains("X-Autoreply") || headers.Contains("X-Autorespond"))
            return true;
        var precedence = Trim(headers["Precedence"]);
        if (precedence is "auto_reply")
            return true;
        return AutoSubject().IsMatch(mime.Subject ?? "");
    }

    /// <summary>The quoted original: a message/rfc822 or text/rfc822-headers part (MimeKit gives both as a MessagePart).</summary>
    static QuotedMessage? Quoted(MimeMessage mime)
    {
        var quoted = mime.BodyParts.OfType<MessagePart>().Select(p => p.Message).FirstOrDefault(m => m is not null);
        if (quoted is null)
            return null;
        return new QuotedMessage(
            Clean(quoted.MessageId),
            Trim(quoted.Headers["Return-Path"])?.Trim('<', '>'),
            quoted.To.Mailboxes.Select(m => m.Address).ToList());
    }

    static List<string> SentTo(MimeMessage mime)
    {
        var addresses = new List<string>();
        foreach (var name in SentToHeaders)
        {
            foreach (var header in mime.Headers.Where(h => h.Field.Equals(name, StringComparison.OrdinalIgnoreCase)))
            {
                if (InternetAddressList.TryParse(Options, header.Value, out var list))
                    addresses.AddRange(list.Mailboxes.Select(m => m.Address));
            }
        }
        return addresses.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>"rfc822; ada@example.org" → "ada@example.org" (RFC 3464 §2.3.2: address-type ";" address).</summary>
    static string? Address(string? field)
    {
        var value = Trim(field);
        if (value is null)
            return null;
        var semicolon = value.IndexOf(';', StringComparison.Ordinal);
        var address = (semicolon >= 0 ? value[(semicolon + 1)..] : value).Trim().Trim('<', '>');
        return address.Length == 0 ? null : address;
    }

    static RecipientAction Action(string? field) => Trim(field)?.ToLowerInvariant() switch
    {
        "failed" => RecipientAction.Failed,
        "delayed" => RecipientAction.Delayed,
        "delivered" => RecipientAction.Delivered,
        "relayed" => RecipientAction.Relayed,
        "expanded" => RecipientAction.Expanded,
        _ => RecipientAction.Other,
    };

    /// <summary>"5.1.1 (bad destination mailbox address)" → "5.1.1"; a field without a code → null.</summary>
    static string? StatusCode(string? field)
    {
        var value = Trim(field);
        if (value is null)
            return null;
        var match = EnhancedStatus().Match(value);
        return match.Success && match.Index == 0 ? match.Value : null;
    }

    static string? Clean(string? messageId) => Trim(messageId)?.Trim('<', '>') is { Length: > 0 } id ? id : null;

    static string? Trim(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    [GeneratedRegex(@"\b[245]\.\d{1,3}\.\d{1,3}\b", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex EnhancedStatus();

    [GeneratedRegex(@"[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9.\-]{1,253}\.[A-Za-z]{2,63}", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex EmailInText();

    [GeneratedRegex(@"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DaemonSender();

    [GeneratedRegex(@"undeliver|delivery (status notification|failure|has failed)|mail delivery failed|returned mail|failure notice|delivery failure", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex BounceSubject();

    [GeneratedRegex(@"^\s*(auto(matic)?[ -]?(reply|response|antwort)|auto:|out of (the )?office|vacation|abwesenheit|absence)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AutoSubject();
}

namespace Digest.Mailer;

/// <summary>
/// One email as the application describes it; knows nothing of sockets. The writer turns it into
/// 7-bit MIME: multipart/alternative when it has both a text and an HTML body.
/// </summary>
public sealed class EmailMessage
{
    public required MailboxAddress From { get; init; }
    public required IReadOnlyList<MailboxAddress> To { get; init; }
    public MailboxAddress? ReplyTo { get; init; }
    public required string Subject { get; init; }

    /// <summary>The Date header; the moment of writing when not set.</summary>
    public DateTimeOffset? Date { get; init; }

    /// <summary>
    /// The Message-ID without angle brackets (id-left@id-right). Callers that may resend (after a
    /// crash, after an unknown outcome) supply a stable one so receivers can drop duplicates;
    /// generated when not set.
    /// </summary>
    public string? MessageId { get; init; }

    /// <summary>The envelope sender (MAIL FROM, where bounces go); <see cref="From"/> when not set.</summary>
    public MailboxAddress? EnvelopeFrom { get; init; }

    /// <summary>Further headers in order (List-Unsubscribe, List-Unsubscribe-Post, List-Id, Feedback-ID, …).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    public string? TextBody { get; init; }
    public string? HtmlBody { get; init; }

    /// <summary>
    /// The text body already encoded as UTF-8, instead of <see cref="TextBody"/> (never both): a
    /// renderer that writes bytes need not build a string to have it encoded again. Checked to be
    /// UTF-8; read when the message is written, so it must not change (nor go back to a pool it
    /// was rented from) until the send is done. Leave it unset for no such body: a null array
    /// converts to an empty body, not to none.
    /// </summary>
    public ReadOnlyMemory<byte>? TextBodyUtf8 { get; init; }

    /// <summary>The HTML body already encoded as UTF-8, instead of <see cref="HtmlBody"/> (never both); as <see cref="TextBodyUtf8"/>.</summary>
    public ReadOnlyMemory<byte>? HtmlBodyUtf8 { get; init; }

    /// <summary>
    /// The text body already quoted-printable, instead of <see cref="TextBody"/> or
    /// <see cref="TextBodyUtf8"/> (only one of them): many mails' shared text encoded once, each
    /// mail's own values per mail. Sent as it is; kept by the caller, undisposed, until the send is done.
    /// </summary>
    public QuotedPrintableBody? TextBodyQuotedPrintable { get; init; }

    /// <summary>The HTML body already quoted-printable, instead of <see cref="HtmlBody"/> or <see cref="HtmlBodyUtf8"/>; as <see cref="TextBodyQuotedPrintable"/>.</summary>
    public QuotedPrintableBody? HtmlBodyQuotedPrintable { get; init; }
}

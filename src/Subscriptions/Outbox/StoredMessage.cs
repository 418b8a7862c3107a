using System.Text;
using System.Text.Json;
using Digest.Mailer;

namespace Digest.Subscriptions.Outbox;

/// <summary>An <see cref="EmailMessage"/> as outbox.message keeps it (JSON) between enqueue and send.</summary>
internal sealed record StoredMessage(
    StoredMailbox From,
    IReadOnlyList<StoredMailbox> To,
    string Subject,
    string MessageId,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    string? TextBody,
    string? HtmlBody,
    // Absent in rows queued before return paths existed: those go out with From as the envelope sender.
    StoredMailbox? EnvelopeFrom = null)
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <remarks>A stored message always has a Message-ID, so that a resend after a crash can be recognised as a duplicate.</remarks>
    /// <exception cref="ArgumentException">The message has no Message-ID, or a body already quoted-printable (kept as text only).</exception>
    public static string Serialize(EmailMessage message)
    {
        if (message.TextBodyQuotedPrintable is not null || message.HtmlBodyQuotedPrintable is not null)
            throw new ArgumentException("A queued message's bodies are kept as text; give them as text, not already encoded.", nameof(message));
        return JsonSerializer.Serialize(new StoredMessage(
            StoredMailbox.Of(message.From),
            message.To.Select(StoredMailbox.Of).ToList(),
            message.Subject,
            message.MessageId ?? throw new ArgumentException("A queued message needs its Message-ID.", nameof(message)),
            message.Headers,
            message.TextBody ?? Decoded(message.TextBodyUtf8),
            message.HtmlBody ?? Decoded(message.HtmlBodyUtf8),
            message.EnvelopeFrom is null ? null : StoredMailbox.Of(message.EnvelopeFrom)), Json);
    }

    /// <summary>A body given as UTF-8 is kept as the text it is (the column is JSON text either way).</summary>
    static string? Decoded(ReadOnlyMemory<byte>? utf8) =>
        utf8 is { } bytes ? StrictUtf8.GetString(bytes.Span) : null;

    public static EmailMessage Deserialize(string json)
    {
        var stored = JsonSerializer.Deserialize<StoredMessage>(json, Json) ?? throw new JsonException("outbox.message is null");
        return new EmailMessage
        {
            From = stored.From.ToMailbox(),
            To = stored.To.Select(t => t.ToMailbox()).ToList(),
            Subject = stored.Subject,
            MessageId = stored.MessageId,
            Headers = stored.Headers,
            TextBody = stored.TextBody,
            HtmlBody = stored.HtmlBody,
            EnvelopeFrom = stored.EnvelopeFrom?.ToMailbox(),
        };
    }
}

internal sealed record StoredMailbox(string Address, string? Name)
{
    public static StoredMailbox Of(MailboxAddress mailbox) => new(mailbox.Address, mailbox.Name);

    public MailboxAddress ToMailbox() => MailboxAddress.Parse(Address, Name);
}

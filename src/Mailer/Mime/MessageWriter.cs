using System.Security.Cryptography;
using Digest.Mailer.Dkim;

namespace Digest.Mailer.Mime;

/// <summary>
/// Turns an <see cref="EmailMessage"/> into the bytes that go on the wire: 7-bit MIME, CRLF line
/// ends, no line over 998 octets, signed with DKIM when a signer is given. Every field is checked
/// before a byte is produced; a bad one throws <see cref="InvalidMessageException"/> naming it.
/// Safe for concurrent use.
/// </summary>
public sealed class MessageWriter(DkimSigner? signer = null, TimeProvider? timeProvider = null)
{
    /// <summary>RFC 5321 §4.5.3.1.8: a server need not take more recipients than this per message.</summary>
    public const int MaxRecipients = 100;

    /// <summary>Headers the writer produces itself, or that must never be set by hand (Bcc would leak).</summary>
    static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "From", "To", "Cc", "Bcc", "Reply-To", "Subject", "Date", "Message-ID", "MIME-Version",
        "Content-Type", "Content-Transfer-Encoding", "DKIM-Signature", "Return-Path",
    };

    readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    public DkimSigner? Signer => signer;

    /// <summary>The message as it would be sent (before SMTP dot-stuffing).</summary>
    public byte[] ToBytes(EmailMessage message)
    {
        using var outgoing = Write(message);
        return outgoing.Content.Span.ToArray();
    }

    internal OutgoingMessage Write(EmailMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Check(message);
        var messageId = message.MessageId ?? NewMessageId(message.From);
        var buffer = new MessageBuffer(EstimateSize(message));
        try
        {
            var headers = new HeaderWriter(buffer);
            WriteHeaders(headers, message, messageId);
            WriteEntity(headers, Body(message), endsMessage: true);
            signer?.Sign(buffer, _time.GetUtcNow());
            return new OutgoingMessage(buffer, message.EnvelopeFrom ?? message.From, message.To, messageId);
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    static int EstimateSize(EmailMessage message) =>
        2048 + (message.TextBody?.Length ?? message.TextBodyUtf8?.Length ?? 0) * 11 / 10
             + (message.HtmlBody?.Length ?? message.HtmlBodyUtf8?.Length ?? 0) * 11 / 10
             + (message.TextBodyQuotedPrintable?.Length ?? 0) + (message.HtmlBodyQuotedPrintable?.Length ?? 0);

    void WriteHeaders(HeaderWriter headers, EmailMessage message, string messageId)
    {
        Span<char> date = stackalloc char[32];
        headers.Begin("Date");
        headers.Token(date[..MessageDate.Format(message.Date ?? _time.GetLocalNow(), date)], " ");
        headers.End();
        headers.Begin("From");
        headers.Mailbox(message.From);
        headers.End();
        if (message.ReplyTo is { } replyTo)
        {
            headers.Begin("Reply-To");
            headers.Mailbox(replyTo);
            headers.End();
        }
        headers.Begin("To");
        headers.Mailboxes(message.To);
        headers.End();
        headers.Begin("Subject");
        headers.Unstructured(message.Subject);
        headers.End();
        headers.Begin("Message-ID");
        headers.Token($"<{messageId}>", " ");
        headers.End();
        headers.Buffer.Write("MIME-Version: 1.0\r\n"u8);
        foreach (var (name, value) in message.Headers)
        {
            headers.Begin(name, $"Headers[\"{name}\"]");
            if (HeaderText.IsPlainAscii(value))
                headers.Words(value); // as given: it may be structured (List-Unsubscribe's URLs)
            else
                headers.Unstructured(value);
            headers.End();
        }
    }

    static MimeEntity Body(EmailMessage message) =>
        (Part("plain", message.TextBody, message.TextBodyUtf8, message.TextBodyQuotedPrintable, nameof(EmailMessage.TextBody), nameof(EmailMessage.TextBodyUtf8)),
         Part("html", message.HtmlBody, message.HtmlBodyUtf8, message.HtmlBodyQuotedPrintable, nameof(EmailMessage.HtmlBody), nameof(EmailMessage.HtmlBodyUtf8))) switch
        {
            ({ } text, { } html) => new MultipartEntity("alternative", [text, html]),
            (null, { } html) => html,
            (var text, _) => text ?? new TextEntity("plain", "", default, nameof(EmailMessage.TextBody)),
        };

    /// <summary>A body part from its string or, when it came so, its UTF-8 or its quoted-printable (only one: see <see cref="Check"/>).</summary>
    static TextEntity? Part(string subtype, string? text, ReadOnlyMemory<byte>? utf8, QuotedPrintableBody? encoded, string textField, string utf8Field) =>
        text is not null ? new TextEntity(subtype, text, default, textField)
        : utf8 is { } bytes ? new TextEntity(subtype, null, bytes, utf8Field)
        : encoded is not null ? new TextEntity(subtype, null, default, textField, encoded)
        : null;

    /// <summary>
    /// Writes an entity's headers, the blank line and its body. The body ends without a CRLF of its
    /// own: in a multipart that CRLF belongs to the next boundary; at the top the message ends with it.
    /// </summary>
    static void WriteEntity(HeaderWriter headers, MimeEntity entity, bool endsMessage)
    {
        var buffer = headers.Buffer;
        switch (entity)
        {
            case TextEntity text:
                buffer.Write(text.Subtype == "html" ? "Content-Type: text/html; charset=utf-8\r\n"u8 : "Content-Type: text/plain; charset=utf-8\r\n"u8);
                if (text.Encoded is { } encoded)
                {
                    // Quoted-printable by construction (QuotedPrintableBody): as it is.
                    buffer.Write("Content-Transfer-Encoding: quoted-printable\r\n\r\n"u8);
                    encoded.WriteTo(buffer, endsMessage);
                    break;
                }
                using (var content = text.Text is { } chars ? TextContent.From(text.Field, chars) : TextContent.From(text.Field, text.Utf8))
                {
                    var encoding = content.ChooseEncoding(endsMessage);
                    buffer.Write(encoding switch
                    {
                        TransferEncoding.SevenBit => "Content-Transfer-Encoding: 7bit\r\n\r\n"u8,
                        TransferEncoding.QuotedPrintable => "Content-Transfer-Encoding: quoted-printable\r\n\r\n"u8,
                        _ => "Content-Transfer-Encoding: base64\r\n\r\n"u8,
                    });
                    content.WriteEncoded(buffer, encoding, endsMessage);
                }
                break;
            case MultipartEntity multipart:
                // "=_" cannot occur in quoted-printable or base64 output, and a 7bit part is never
                // chosen for text containing it: the boundary cannot appear in any part.
                Span<char> boundary = stackalloc char[30];
                NewBoundary(boundary);
                headers.Begin("Content-Type");
                headers.Token($"multipart/{multipart.Subtype};", " ");
                headers.Buffer.Write("\r\n boundary=\""u8);
                buffer.WriteAscii(boundary);
                buffer.Write("\"\r\n\r\n"u8);
                foreach (var part in multipart.Parts)
                {
                    buffer.Write("--"u8);
                    buffer.WriteAscii(boundary);
                    buffer.Write("\r\n"u8);
                    WriteEntity(headers, part, endsMessage: false);
                    buffer.Write("\r\n"u8);
                }
                buffer.Write("--"u8);
                buffer.WriteAscii(boundary);
                buffer.Write("--"u8);
                if (endsMessage)
                    buffer.Write("\r\n"u8);
                break;
        }
    }

    static void NewBoundary(Span<char> boundary)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        Span<byte> random = stackalloc byte[boundary.Length - 2];
        RandomNumberGenerator.Fill(random);
        boundary[0] = '=';
        boundary[1] = '_';
        for (var i = 0; i < random.Length; i++)
            boundary[i + 2] = Alphabet[random[i] % Alphabet.Length];
    }

    static string NewMessageId(MailboxAddress from)
    {
        Span<byte> random = stackalloc byte[16];
        RandomNumberGenerator.Fill(random);
        return $"{Convert.ToHexStringLower(random)}@{from.Domain}";
    }

    /// <summary>Every rule checked before a byte is written, so a bad message sends nothing.</summary>
    static void Check(EmailMessage message)
    {
        if (message.From is null)
            throw new InvalidMessageException(nameof(EmailMessage.From), "is required.");
        CheckMailbox(nameof(EmailMessage.From), message.From);
        if (message.ReplyTo is not null)
            CheckMailbox(nameof(EmailMessage.ReplyTo), message.ReplyTo);
        if (message.EnvelopeFrom is not null)
            CheckMailbox(nameof(EmailMessage.EnvelopeFrom), message.EnvelopeFrom);
        if (message.To is null || message.To.Count == 0)
            throw new InvalidMessageException(nameof(EmailMessage.To), "needs at least one recipient.");
        if (message.To.Count > MaxRecipients)
            throw new InvalidMessageException(nameof(EmailMessage.To), $"has {message.To.Count} recipients; a relay need accept only {MaxRecipients} per message (RFC 5321 §4.5.3.1.8).");
        for (var i = 0; i < message.To.Count; i++)
        {
            if (message.To[i] is null)
                throw new InvalidMessageException($"To[{i}]", "is null.");
            CheckMailbox($"To[{i}]", message.To[i]);
        }
        if (message.Subject is null)
            throw new InvalidMessageException(nameof(EmailMessage.Subject), "is required (it may be empty).");
        HeaderText.Check(nameof(EmailMessage.Subject), message.Subject);
        if (message.MessageId is not null)
            CheckMessageId(message.MessageId);
        if (message.TextBody is not null && message.TextBodyUtf8 is not null)
            throw new InvalidMessageException(nameof(EmailMessage.TextBodyUtf8), "is the text body as UTF-8; set it or TextBody, not both.");
        if (message.HtmlBody is not null && message.HtmlBodyUtf8 is not null)
            throw new InvalidMessageException(nameof(EmailMessage.HtmlBodyUtf8), "is the HTML body as UTF-8; set it or HtmlBody, not both.");
        if (message.TextBodyQuotedPrintable is not null && (message.TextBody is not null || message.TextBodyUtf8 is not null))
            throw new InvalidMessageException(nameof(EmailMessage.TextBodyQuotedPrintable), "is the text body already encoded; set it or TextBody or TextBodyUtf8, only one.");
        if (message.HtmlBodyQuotedPrintable is not null && (message.HtmlBody is not null || message.HtmlBodyUtf8 is not null))
            throw new InvalidMessageException(nameof(EmailMessage.HtmlBodyQuotedPrintable), "is the HTML body already encoded; set it or HtmlBody or HtmlBodyUtf8, only one.");
        if (message.Headers is null)
            throw new InvalidMessageException(nameof(EmailMessage.Headers), "may be empty but not null.");
        for (var i = 0; i < message.Headers.Count; i++)
        {
            var (name, value) = message.Headers[i];
            if (name is null || !HeaderText.IsFieldName(name) || name.Length > 76)
                throw new InvalidMessageException($"Headers[{i}]", $"has the name \"{name}\"; a header name is 1 to 76 printable ASCII characters without a colon or space.");
            var field = $"Headers[\"{name}\"]";
            if (ReservedHeaders.Contains(name))
                throw new InvalidMessageException(field, "is written from the message's own properties (or must never be set); set the property instead.");
            if (value is null)
                throw new InvalidMessageException(field, "has no value.");
            HeaderText.Check(field, value);
            if (value.Length > 0 && (HeaderText.IsWhitespace(value[0]) || HeaderText.IsWhitespace(value[^1])))
                throw new InvalidMessageException(field, "may not start or end with whitespace.");
        }
    }

    static void CheckMailbox(string field, MailboxAddress mailbox)
    {
        if (mailbox.Name is not null)
            HeaderText.Check($"{field}.Name", mailbox.Name);
    }

    /// <summary>RFC 5322 §3.6.4 msg-id without its angle brackets: dot-atom-text "@" dot-atom-text.</summary>
    static void CheckMessageId(string id)
    {
        HeaderText.Check(nameof(EmailMessage.MessageId), id);
        var at = id.IndexOf('@', StringComparison.Ordinal);
        if (at < 0 || id.IndexOf('@', at + 1) >= 0 || !IsDotAtomText(id.AsSpan(0, at)) || !IsDotAtomText(id.AsSpan(at + 1)) || id.Length > 250)
            throw new InvalidMessageException(nameof(EmailMessage.MessageId),
                $"\"{id}\" is not left@right made of letters, digits, dots and !#$%&'*+-/=?^_`{{|}}~ (RFC 5322 §3.6.4, without angle brackets, at most 250 characters).");
    }

    static bool IsDotAtomText(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty || text[0] == '.' || text[^1] == '.' || text.Contains("..", StringComparison.Ordinal))
            return false;
        foreach (var c in text)
        {
            if (c != '.' && !HeaderText.IsAtext(c))
                return false;
        }
        return true;
    }
}

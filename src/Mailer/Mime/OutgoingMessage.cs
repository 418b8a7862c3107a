namespace Digest.Mailer.Mime;

/// <summary>
/// A message ready for the wire: its final bytes (signed, if signing is on) and its envelope.
/// Owns the pooled buffer; dispose it once the message is sent or written.
/// </summary>
internal sealed class OutgoingMessage(
    MessageBuffer content,
    MailboxAddress envelopeFrom,
    IReadOnlyList<MailboxAddress> recipients,
    string messageId) : IDisposable
{
    public MessageBuffer Content { get; } = content;
    public MailboxAddress EnvelopeFrom { get; } = envelopeFrom;
    public IReadOnlyList<MailboxAddress> Recipients { get; } = recipients;
    public string MessageId { get; } = messageId;

    /// <summary>An envelope address has a UTF-8 local part: the relay must offer SMTPUTF8 (RFC 6531).</summary>
    public bool NeedsSmtpUtf8 { get; } = envelopeFrom.IsInternational || AnyInternational(recipients);

    /// <summary>The bytes hold octets above 127 (only UTF-8 addresses in headers do that): BODY=8BITMIME.</summary>
    public bool HasEightBitOctets { get; } = content.Span.IndexOfAnyInRange((byte)0x80, (byte)0xff) >= 0;

    public void Dispose() => Content.Dispose();

    static bool AnyInternational(IReadOnlyList<MailboxAddress> recipients)
    {
        for (var i = 0; i < recipients.Count; i++)
        {
            if (recipients[i].IsInternational)
                return true;
        }
        return false;
    }
}

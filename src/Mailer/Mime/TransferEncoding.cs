namespace Digest.Mailer.Mime;

/// <summary>The three 7-bit transfer encodings (RFC 2045 §6): the output never needs 8BITMIME.</summary>
internal enum TransferEncoding
{
    SevenBit,
    QuotedPrintable,
    Base64,
}

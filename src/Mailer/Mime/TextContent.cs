using System.Buffers;
using System.Text;

namespace Digest.Mailer.Mime;

/// <summary>
/// A text body as UTF-8 (in a rented array, or the caller's when it came as UTF-8), measured once to pick its transfer encoding. Line breaks
/// in the input may be CRLF, bare LF or bare CR; every one of them leaves as CRLF (a bare LF or CR
/// in SMTP data is what SMTP smuggling exploits).
/// </summary>
internal readonly struct TextContent : IDisposable
{
    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    readonly byte[]? _rented;
    readonly ReadOnlyMemory<byte> _utf8;

    TextContent(byte[]? rented, ReadOnlyMemory<byte> utf8)
    {
        _rented = rented;
        _utf8 = utf8;
    }

    public ReadOnlySpan<byte> Utf8 => _utf8.Span;

    public static TextContent From(string field, string text)
    {
        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(StrictUtf8.GetMaxByteCount(text.Length), 1));
        try
        {
            return new TextContent(rented, rented.AsMemory(0, StrictUtf8.GetBytes(text, rented)));
        }
        catch (EncoderFallbackException e)
        {
            ArrayPool<byte>.Shared.Return(rented);
            throw new InvalidMessageException(field, $"is not valid Unicode: an unpaired surrogate at index {e.Index}.");
        }
    }

    /// <summary>Text already encoded: used as it is, once it is known to be UTF-8.</summary>
    public static TextContent From(string field, ReadOnlyMemory<byte> utf8)
    {
        if (!System.Text.Unicode.Utf8.IsValid(utf8.Span))
            throw new InvalidMessageException(field, "is not valid UTF-8.");
        return new TextContent(null, utf8);
    }

    /// <summary>
    /// 7bit when the text is short-lined printable ASCII that nothing on the way can alter; otherwise
    /// the shorter of quoted-printable and base64.
    /// </summary>
    /// <param name="endsMessage">
    /// True for a body that is the whole message: its final CRLF is content, so a text without a
    /// final line break cannot go as 7bit (it would gain one). In a multipart the CRLF before the
    /// boundary belongs to the boundary.
    /// </param>
    public TransferEncoding ChooseEncoding(bool endsMessage)
    {
        var text = Utf8;
        if (text.IsEmpty)
            return TransferEncoding.SevenBit;
        // Line by line with vectorised searches: most lines are plain ASCII and cost a few passes.
        var escapes = 0;
        var breaks = 0;
        var plain = true;
        var longestLine = 0;
        var trailingWhitespace = false;
        var fromLine = false;
        var rest = text;
        while (true)
        {
            var end = rest.IndexOfAny((byte)'\r', (byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            if (!line.IsEmpty)
            {
                longestLine = Math.Max(longestLine, line.Length);
                trailingWhitespace |= line[^1] is (byte)' ' or (byte)'\t';
                fromLine |= line[0] == 'F' && line.StartsWith("From "u8);
                escapes += line.Count((byte)'=');
                var odd = line.IndexOfAnyExceptInRange((byte)' ', (byte)'~');
                if (odd >= 0)
                {
                    foreach (var b in line[odd..])
                    {
                        if (b is < 0x20 or > 0x7e && b != '\t')
                        {
                            plain = false;
                            escapes++;
                        }
                    }
                }
            }
            if (end < 0)
                break;
            breaks++;
            end += rest[end] == '\r' && end + 1 < rest.Length && rest[end + 1] == '\n' ? 2 : 1;
            rest = rest[end..];
            if (rest.IsEmpty)
                break;
        }
        var endsWithBreak = text[^1] is (byte)'\r' or (byte)'\n';

        if (plain && longestLine <= QuotedPrintable.MaxLineLength && !trailingWhitespace && !fromLine
            && (endsWithBreak || !endsMessage) && text.IndexOf("=_"u8) < 0)
            return TransferEncoding.SevenBit;

        long normalised = text.Length + breaks;
        var quotedPrintable = normalised + 2L * escapes + normalised / (QuotedPrintable.MaxLineLength - 3) * 3;
        var base64 = (normalised + 2) / 3 * 4 * (Base64Lines.LineLength + 2) / Base64Lines.LineLength;
        return quotedPrintable <= base64 ? TransferEncoding.QuotedPrintable : TransferEncoding.Base64;
    }

    /// <summary>
    /// Writes the encoded text, its line breaks as CRLF, without a CRLF after the last line (the
    /// container writes that); when <paramref name="endsMessage"/>, ends it so that the message's
    /// final CRLF adds nothing to the text.
    /// </summary>
    public void WriteEncoded(MessageBuffer buffer, TransferEncoding encoding, bool endsMessage)
    {
        switch (encoding)
        {
            case TransferEncoding.SevenBit:
                LineBreaks.WriteNormalised(buffer, Utf8);
                break;
            case TransferEncoding.QuotedPrintable:
                QuotedPrintable.Write(buffer, Utf8, endsMessage);
                break;
            default:
                Base64Lines.Write(buffer, Utf8, endsMessage);
                break;
        }
    }

    public void Dispose()
    {
        if (_rented is not null)
            ArrayPool<byte>.Shared.Return(_rented);
    }
}

using System.Buffers.Text;

namespace Digest.Mailer.Mime;

/// <summary>Base64 (RFC 2045 §6.8) in lines of 76 characters, the text's line breaks made CRLF first.</summary>
internal static class Base64Lines
{
    public const int LineLength = 76;
    const int OctetsPerLine = LineLength / 4 * 3;

    public static void Write(MessageBuffer output, ReadOnlySpan<byte> text, bool endsMessage)
    {
        if (LineBreaks.AreCanonical(text))
        {
            Encode(output, text, endsMessage);
            return;
        }
        using var normalised = new MessageBuffer(text.Length * 2, headroom: 0);
        LineBreaks.WriteNormalised(normalised, text);
        Encode(output, normalised.Span, endsMessage);
    }

    static void Encode(MessageBuffer output, ReadOnlySpan<byte> octets, bool endsMessage)
    {
        var first = true;
        while (!octets.IsEmpty)
        {
            if (!first)
                output.Write("\r\n"u8);
            first = false;
            var chunk = octets[..Math.Min(OctetsPerLine, octets.Length)];
            Base64.EncodeToUtf8(chunk, output.GetSpan(LineLength), out _, out var written);
            output.Advance(written);
            octets = octets[chunk.Length..];
        }
        if (endsMessage && !first)
            output.Write("\r\n"u8);
    }
}

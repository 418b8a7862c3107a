using System.Buffers;

namespace Digest.Mailer.Mime;

/// <summary>CRLF, bare LF and bare CR in, CRLF out.</summary>
internal static class LineBreaks
{
    public static void WriteNormalised(IBufferWriter<byte> output, ReadOnlySpan<byte> text)
    {
        while (!text.IsEmpty)
        {
            var at = text.IndexOfAny((byte)'\r', (byte)'\n');
            if (at < 0)
            {
                output.Write(text);
                return;
            }
            output.Write(text[..at]);
            output.Write("\r\n"u8);
            at += text[at] == '\r' && at + 1 < text.Length && text[at + 1] == '\n' ? 2 : 1;
            text = text[at..];
        }
    }

    /// <summary>True when every CR is followed by LF and every LF preceded by CR.</summary>
    public static bool AreCanonical(ReadOnlySpan<byte> text)
    {
        var crs = text.Count((byte)'\r');
        var lfs = text.Count((byte)'\n');
        return crs == lfs && (crs == 0 || text.Count("\r\n"u8) == crs);
    }
}

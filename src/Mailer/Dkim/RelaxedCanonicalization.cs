using System.Buffers;

namespace Digest.Mailer.Dkim;

/// <summary>DKIM "relaxed" canonicalisation (RFC 6376 §3.4.2 headers, §3.4.4 body).</summary>
internal static class RelaxedCanonicalization
{
    /// <summary>
    /// One header field: name in lower case, ":", the value unfolded, whitespace runs made one
    /// space, whitespace around the value removed, then CRLF (unless <paramref name="lineEnd"/> is false).
    /// </summary>
    public static void Header(IBufferWriter<byte> output, ReadOnlySpan<byte> field, bool lineEnd = true)
    {
        var colon = field.IndexOf((byte)':');
        var name = field[..colon].TrimEnd(" \t"u8);
        var span = output.GetSpan(field.Length + 2);
        var length = 0;
        foreach (var b in name)
            span[length++] = b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b + 32) : b;
        span[length++] = (byte)':';
        var pendingSpace = false;
        var started = false;
        foreach (var b in field[(colon + 1)..])
        {
            if (b is (byte)'\r' or (byte)'\n')
                continue;
            if (b is (byte)' ' or (byte)'\t')
            {
                pendingSpace = started;
                continue;
            }
            if (pendingSpace)
                span[length++] = (byte)' ';
            pendingSpace = false;
            started = true;
            span[length++] = b;
        }
        if (lineEnd)
        {
            span[length++] = (byte)'\r';
            span[length++] = (byte)'\n';
        }
        output.Advance(length);
    }

    /// <summary>
    /// The body as the hash sees it: whitespace at line ends removed, other whitespace runs made one
    /// space, empty lines at the end dropped, and a CRLF after a non-empty last line.
    /// </summary>
    public static void Body(IBufferWriter<byte> output, ReadOnlySpan<byte> body)
    {
        var emptyLines = 0;
        while (!body.IsEmpty)
        {
            var end = body.IndexOf("\r\n"u8);
            var line = end < 0 ? body : body[..end];
            body = end < 0 ? [] : body[(end + 2)..];
            line = line.TrimEnd(" \t"u8);
            if (line.IsEmpty)
            {
                emptyLines++;
                continue;
            }
            for (; emptyLines > 0; emptyLines--)
                output.Write("\r\n"u8);
            var span = output.GetSpan(line.Length + 2);
            var length = 0;
            var inWhitespace = false;
            foreach (var b in line)
            {
                if (b is (byte)' ' or (byte)'\t')
                {
                    if (!inWhitespace)
                        span[length++] = (byte)' ';
                    inWhitespace = true;
                    continue;
                }
                inWhitespace = false;
                span[length++] = b;
            }
            span[length++] = (byte)'\r';
            span[length++] = (byte)'\n';
            output.Advance(length);
        }
    }

    /// <summary>True when <see cref="Body"/> would give back the body unchanged (what this writer produces, nearly always).</summary>
    public static bool IsCanonicalBody(ReadOnlySpan<byte> body) =>
        body.EndsWith("\r\n"u8) && !body.EndsWith("\r\n\r\n"u8) && body.IndexOf((byte)'\t') < 0
        && body.IndexOf("  "u8) < 0 && body.IndexOf(" \r\n"u8) < 0 && !body.StartsWith("\r\n"u8);
}

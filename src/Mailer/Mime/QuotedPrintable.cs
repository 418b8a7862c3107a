using System.Buffers;

namespace Digest.Mailer.Mime;

/// <summary>
/// Quoted-printable (RFC 2045 §6.7): lines of at most 76 characters, "=" soft breaks, "=" and
/// trailing whitespace always escaped, an escape never split by a soft break.
/// </summary>
internal static class QuotedPrintable
{
    public const int MaxLineLength = 76;

    /// <summary>Bytes that may stand as they are: printable ASCII but "=", plus space and tab (escaped where they end a line).</summary>
    static readonly SearchValues<byte> Literal = SearchValues.Create(
        "\t !\"#$%&'()*+,-./0123456789:;<>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"u8);

    /// <param name="endsMessage">Ends a text without a final line break with a soft break, so the message's last CRLF adds nothing.</param>
    public static void Write(MessageBuffer output, ReadOnlySpan<byte> text, bool endsMessage)
    {
        // Written straight into the buffer's free space (all of it, which the buffer grows when less
        // than a step is left; every step below writes at most 79 bytes): an HTML part is mostly short runs between
        // "=" signs, and a call into the buffer per run cost as much as the encoding.
        var free = output.GetSpan(StepAtMost);
        var written = 0;
        var column = 0;
        var i = 0;
        var endedWithBreak = false;
        while (i < text.Length)
        {
            if (free.Length - written < StepAtMost)
            {
                output.Advance(written);
                free = output.GetSpan(StepAtMost);
                written = 0;
            }
            var b = text[i];
            if (b is (byte)'\r' or (byte)'\n')
            {
                free[written++] = (byte)'\r';
                free[written++] = (byte)'\n';
                column = 0;
                i += b == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? 2 : 1;
                endedWithBreak = true;
                continue;
            }
            endedWithBreak = false;

            // "=" (every attribute of an HTML part) with room for its escape and a soft break after.
            if (b == '=' && column + 3 <= MaxLineLength - 1)
            {
                free[written] = (byte)'=';
                free[written + 1] = (byte)'3';
                free[written + 2] = (byte)'D';
                written += 3;
                column += 3;
                i++;
                continue;
            }

            // Fast path: copy a run of literal bytes, as much as fits before a soft break. Whitespace
            // that ends a line and "From " at a line start take the slow path.
            if (column > 0 || b != 'F')
            {
                // Search no further than the line has room for.
                var window = text.Slice(i, Math.Min(text.Length - i, MaxLineLength - column));
                var run = window.IndexOfAnyExcept(Literal);
                if (run < 0)
                    run = window.Length;
                if (run > 0 && EndsLine(text, i + run - 1) && text[i + run - 1] is (byte)' ' or (byte)'\t')
                    run--;
                var take = Math.Min(run, MaxLineLength - 1 - column);
                if (take > 0)
                {
                    text.Slice(i, take).CopyTo(free[written..]);
                    written += take;
                    column += take;
                    i += take;
                    continue;
                }
            }

            var endsLine = EndsLine(text, i);
            var escape = !Literal.Contains(b) || endsLine && b is (byte)' ' or (byte)'\t';
            var width = escape ? 3 : 1;
            // The last character of a line may use column 76; any other needs room for a soft break.
            if (column + width > (endsLine ? MaxLineLength : MaxLineLength - 1))
            {
                free[written++] = (byte)'=';
                free[written++] = (byte)'\r';
                free[written++] = (byte)'\n';
                column = 0;
            }
            // mbox writers on the way turn "From " at a line start into ">From ".
            if (column == 0 && b == 'F' && text[i..].StartsWith("From "u8))
            {
                escape = true;
                width = 3;
            }
            if (escape)
            {
                free[written] = (byte)'=';
                free[written + 1] = (byte)Hex[b >> 4];
                free[written + 2] = (byte)Hex[b & 0xF];
                written += 3;
            }
            else
            {
                free[written++] = b;
            }
            column += width;
            i++;
        }
        output.Advance(written);
        if (endsMessage && !endedWithBreak && text.Length > 0)
            output.Write("=\r\n"u8);
    }

    /// <summary>The most one step of <see cref="Write"/> writes: a line's run of 75 bytes, or a soft break and an escape, or a line break.</summary>
    const int StepAtMost = 80;

    /// <summary>True when the byte at <paramref name="index"/> is the last of its line.</summary>
    static bool EndsLine(ReadOnlySpan<byte> text, int index) =>
        index + 1 >= text.Length || text[index + 1] is (byte)'\r' or (byte)'\n';

    const string Hex = "0123456789ABCDEF";
}

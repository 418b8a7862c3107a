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
        var column = 0;
        var endedWithBreak = Encode(output, text, ref column, piece: false);
        if (endsMessage && !endedWithBreak && text.Length > 0)
            output.Write("=\r\n"u8);
    }

    /// <summary>
    /// Encodes <paramref name="text"/> from <paramref name="column"/> of the line being written,
    /// leaving <paramref name="column"/> where its last line ends.
    /// </summary>
    /// <param name="piece">
    /// The text is a piece of a longer one (<see cref="QuotedPrintableBody"/>), whose next piece is
    /// not known: its end may be followed by more of the same line, so its last line stays short
    /// enough for a soft break after it, and whitespace at its end stays as it is (the body escapes
    /// it if a line break follows); an "F" at a line start that the next piece could make "From "
    /// is escaped.
    /// </param>
    /// <returns>Whether the text ended with a line break.</returns>
    public static bool Encode(IBufferWriter<byte> output, ReadOnlySpan<byte> text, ref int column, bool piece)
    {
        // Written straight into the writer's free space (a step at a time asked for): an HTML part
        // is mostly short runs between "=" signs, and a call into the buffer per run cost as much as
        // the encoding.
        var free = output.GetSpan(StepAtMost);
        var written = 0;
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
                if (run > 0 && EndsLine(text, i + run - 1, piece) && text[i + run - 1] is (byte)' ' or (byte)'\t')
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

            var endsLine = EndsLine(text, i, piece);
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
            if (column == 0 && b == 'F' && (text[i..].StartsWith("From "u8) || piece && "From "u8.StartsWith(text[i..])))
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
        return endedWithBreak;
    }

    /// <summary>The most one step of <see cref="Encode"/> writes: a line's run of 75 bytes, or a soft break and an escape, or a line break.</summary>
    const int StepAtMost = 80;

    /// <summary>True when the byte at <paramref name="index"/> is the last of its line: a line break follows, or the text ends (unless it is a piece, whose line may go on).</summary>
    static bool EndsLine(ReadOnlySpan<byte> text, int index, bool piece) =>
        index + 1 >= text.Length ? !piece : text[index + 1] is (byte)'\r' or (byte)'\n';

    const string Hex = "0123456789ABCDEF";
}

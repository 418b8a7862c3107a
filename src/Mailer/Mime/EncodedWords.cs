using System.Buffers.Text;
using System.Text;

namespace Digest.Mailer.Mime;

/// <summary>
/// RFC 2047 encoded words for text that cannot stand in a header as it is (non-ASCII, control-like
/// or ambiguous text). The whole text becomes a run of encoded words; a decoder drops the
/// whitespace between adjacent encoded words, so every space of the text travels inside them and
/// comes back exactly. Each word holds whole characters only and is at most 75 characters long.
/// </summary>
internal static class EncodedWords
{
    const int MaxWordLength = 75;
    const string QPrefix = "=?utf-8?q?";
    const string BPrefix = "=?utf-8?b?";
    const int Overhead = 12; // prefix + "?="
    const int MaxPayload = MaxWordLength - Overhead;
    const int MaxBBytes = MaxPayload / 4 * 3; // 45 octets: 60 base64 characters

    // The shortest word worth starting on a partly filled line: room for a 4-octet character in B.
    const int ShortestWord = Overhead + 8;

    /// <summary>How long the next word may be: at most 75, and short enough to keep its line within 78 octets.</summary>
    static int WordLimit(HeaderWriter writer) => Math.Min(MaxWordLength, writer.RoomOnLine(ShortestWord));

    public static void Write(HeaderWriter writer, ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
            return;
        Span<char> word = stackalloc char[MaxWordLength];
        Span<byte> utf8 = stackalloc byte[4];
        if (QLength(text) <= BLength(text))
            WriteQ(writer, text, word, utf8);
        else
            WriteB(writer, text, word, utf8);
    }

    /// <summary>
    /// The "Q" encoding as RFC 2047 §5(3) allows it in a phrase, the strictest context, so one form
    /// serves display names and unstructured text alike: letters, digits and ! * + - / stay; space
    /// is "_"; every other octet is =XX.
    /// </summary>
    static bool IsQSafe(byte b) =>
        b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9'
            or (byte)'!' or (byte)'*' or (byte)'+' or (byte)'-' or (byte)'/' or (byte)' ';

    static int QLength(ReadOnlySpan<char> text)
    {
        var length = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.IsAscii)
                length += IsQSafe((byte)rune.Value) ? 1 : 3;
            else
                length += 3 * rune.Utf8SequenceLength;
        }
        return length;
    }

    static int BLength(ReadOnlySpan<char> text) => (Encoding.UTF8.GetByteCount(text) + 2) / 3 * 4;

    static void WriteQ(HeaderWriter writer, ReadOnlySpan<char> text, Span<char> word, Span<byte> utf8)
    {
        QPrefix.CopyTo(word);
        var length = QPrefix.Length;
        var limit = WordLimit(writer);
        foreach (var rune in text.EnumerateRunes())
        {
            var count = rune.EncodeToUtf8(utf8);
            var needed = 0;
            for (var i = 0; i < count; i++)
                needed += IsQSafe(utf8[i]) ? 1 : 3;
            if (length + needed > limit - 2)
            {
                Flush(writer, word, ref length, QPrefix);
                limit = WordLimit(writer);
            }
            for (var i = 0; i < count; i++)
            {
                var b = utf8[i];
                if (b == ' ')
                {
                    word[length++] = '_';
                }
                else if (IsQSafe(b))
                {
                    word[length++] = (char)b;
                }
                else
                {
                    word[length++] = '=';
                    word[length++] = HexDigits[b >> 4];
                    word[length++] = HexDigits[b & 0xF];
                }
            }
        }
        Flush(writer, word, ref length, QPrefix);
    }

    static void WriteB(HeaderWriter writer, ReadOnlySpan<char> text, Span<char> word, Span<byte> utf8)
    {
        Span<byte> pending = stackalloc byte[MaxBBytes];
        Span<byte> base64 = stackalloc byte[MaxPayload];
        var count = 0;
        var capacity = (WordLimit(writer) - Overhead) / 4 * 3;
        foreach (var rune in text.EnumerateRunes())
        {
            var length = rune.EncodeToUtf8(utf8);
            if (count + length > capacity)
            {
                WriteBWord(writer, pending[..count], word, base64);
                count = 0;
                capacity = (WordLimit(writer) - Overhead) / 4 * 3;
            }
            utf8[..length].CopyTo(pending[count..]);
            count += length;
        }
        WriteBWord(writer, pending[..count], word, base64);
    }

    static void WriteBWord(HeaderWriter writer, ReadOnlySpan<byte> octets, Span<char> word, Span<byte> base64)
    {
        Base64.EncodeToUtf8(octets, base64, out _, out var written);
        BPrefix.CopyTo(word);
        var length = BPrefix.Length;
        for (var i = 0; i < written; i++)
            word[length++] = (char)base64[i];
        Flush(writer, word, ref length, BPrefix);
    }

    static void Flush(HeaderWriter writer, Span<char> word, ref int length, string prefix)
    {
        if (length == prefix.Length)
            return;
        word[length++] = '?';
        word[length++] = '=';
        writer.Token(word[..length], " ");
        length = prefix.Length;
    }

    const string HexDigits = "0123456789ABCDEF";
}

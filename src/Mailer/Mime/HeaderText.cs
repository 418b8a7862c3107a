using System.Text;

namespace Digest.Mailer.Mime;

/// <summary>The rules every header value obeys before it is written.</summary>
internal static class HeaderText
{
    /// <summary>
    /// Refuses CR, LF and NUL (a line break in a header is header injection: it would let the value
    /// add headers or end the header section), other control characters, and text that is not
    /// valid Unicode (it has no UTF-8 form).
    /// </summary>
    public static void Check(string field, ReadOnlySpan<char> text)
    {
        var at = text.IndexOfAny('\r', '\n', '\0');
        if (at >= 0)
            throw new InvalidMessageException(field, $"may not contain CR, LF or NUL (found {Describe(text[at])} at index {at}): a line break would inject headers.");
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c < ' ' && c != '\t' || c == '\u007f')
                throw new InvalidMessageException(field, $"may not contain control characters (found {Describe(c)} at index {i}).");
            if (char.IsSurrogate(c))
            {
                if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    i++;
                    continue;
                }
                throw new InvalidMessageException(field, $"is not valid Unicode: an unpaired surrogate at index {i}.");
            }
        }
    }

    /// <summary>Printable ASCII, space and tab only: what may stand in a header as it is.</summary>
    public static bool IsPlainAscii(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (c is < ' ' or > '~' && c != '\t')
                return false;
        }
        return true;
    }

    public static bool IsWhitespace(char c) => c is ' ' or '\t';

    /// <summary>RFC 5322 atext: what may stand in an atom without quotes.</summary>
    public static bool IsAtext(char c) =>
        c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9'
        || "!#$%&'*+-/=?^_`{|}~".Contains(c, StringComparison.Ordinal);

    /// <summary>RFC 5322 ftext: printable ASCII except the colon.</summary>
    public static bool IsFieldName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty)
            return false;
        foreach (var c in name)
        {
            if (c is < '!' or > '~' or ':')
                return false;
        }
        return true;
    }

    static string Describe(char c) => c switch
    {
        '\r' => "CR",
        '\n' => "LF",
        '\0' => "NUL",
        _ => $"U+{(int)c:X4}",
    };

    public static int Utf8Length(ReadOnlySpan<char> text) => Encoding.UTF8.GetByteCount(text);
}

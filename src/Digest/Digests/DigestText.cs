using System.Buffers;
using System.Text;

namespace Digest.Digests;

/// <summary>Text shaping for the digest: one-line values, abstracts cut at a word, plain text wrapped for mail.</summary>
internal static class DigestText
{
    /// <summary>Plain-text lines stay within this (RFC 5322 recommends 78); URLs and longer words are never broken.</summary>
    public const int Width = 72;

    /// <summary>The text on one line: any run of whitespace (abstracts keep the feed's line breaks) is one space, none at either end.</summary>
    public static string Flatten(string text) => FlattenStart(text, int.MaxValue);

    /// <summary>
    /// The start of <see cref="Flatten(string)"/>: it stops once it has more than
    /// <paramref name="max"/> characters, so an excerpt of a long abstract need not flatten all of
    /// it (a digest renders thirty excerpts, a million times a day).
    /// </summary>
    public static string FlattenStart(string text, int max)
    {
        // Most values (titles, topics, names, details lines) are already one line: as they are.
        if (text.Length <= max && IsFlat(text))
            return text;
        var result = new StringBuilder(Math.Min(text.Length, max == int.MaxValue ? text.Length : max + 1));
        var space = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                space = result.Length > 0;
                continue;
            }
            if (space)
            {
                if (result.Length >= max)
                    break;
                result.Append(' ');
                space = false;
            }
            result.Append(c);
            if (result.Length > max)
                break;
        }
        return result.ToString();
    }

    /// <summary>Every character <see cref="char.IsWhiteSpace"/> calls whitespace, but the plain space.</summary>
    static readonly SearchValues<char> OtherWhitespace = SearchValues.Create(
        Enumerable.Range(char.MinValue, char.MaxValue + 1).Select(c => (char)c).Where(c => c != ' ' && char.IsWhiteSpace(c)).ToArray());

    /// <summary>Whether flattening would leave the text as it is: single spaces between words, none at either end.</summary>
    static bool IsFlat(string text) =>
        text.Length == 0
        || (text[0] != ' ' && text[^1] != ' ' && !text.AsSpan().ContainsAny(OtherWhitespace) && !text.Contains("  ", StringComparison.Ordinal));

    /// <summary>At most about <paramref name="length"/> characters, cut after a whole word and marked with "…".</summary>
    public static string Excerpt(string text, int length)
    {
        var flat = FlattenStart(text, length + 1);
        if (flat.Length <= length)
            return flat;
        var cut = flat.LastIndexOf(' ', length);
        // One enormous "word" (a URL, a formula) is cut where it is rather than dropped whole.
        if (cut < length / 2)
            cut = char.IsHighSurrogate(flat[length - 1]) ? length - 1 : length;
        return flat[..cut].TrimEnd(' ', ',', ';', ':', '.', '-', '—', '(') + "…";
    }

    public static string Shorten(string text, int length)
    {
        var flat = FlattenStart(text, length + 1);
        return flat.Length <= length ? flat : Excerpt(flat, length - 1);
    }

    /// <summary>
    /// Words into lines of at most <paramref name="width"/> characters, the lines after the first
    /// starting with <paramref name="indent"/> (the caller places the first).
    /// </summary>
    public static string Wrap(string text, int width, string indent)
    {
        var flat = Flatten(text);
        // One line already: its words joined by single spaces are the text itself.
        if (flat.Length <= width)
            return flat;
        var result = new StringBuilder();
        var lineLength = 0;
        foreach (var word in flat.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (lineLength > 0 && lineLength + 1 + word.Length > width)
            {
                result.Append('\n').Append(indent);
                lineLength = 0;
            }
            else if (lineLength > 0)
            {
                result.Append(' ');
                lineLength++;
            }
            result.Append(word);
            lineLength += word.Length;
        }
        return result.ToString();
    }

    /// <summary>
    /// The URL when it is an absolute http(s) one, otherwise nothing: escaping does not make a
    /// "javascript:" link in an href safe, and the papers' URLs come from outside.
    /// </summary>
    public static string? WebUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri.AbsoluteUri : null;
}

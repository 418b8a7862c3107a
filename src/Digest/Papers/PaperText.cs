using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Digest.Papers;

/// <summary>
/// Feed text made plain and comparable: HTML entities decoded, harmless formatting tags dropped,
/// Unicode NFC, whitespace collapsed. Text that cannot be made safe — control characters, broken
/// UTF-16, active HTML (scripts, event handlers, embedded objects) — rejects the whole item.
/// </summary>
/// <remarks>
/// Entities are decoded before anything is checked, so markup spelled as entities ("&amp;lt;script&amp;gt;")
/// is judged as the markup it becomes. What is stored is plain text for templates to escape, never
/// HTML to be trusted. LaTeX stays as written: it is what the paper says.
/// </remarks>
public static partial class PaperText
{
    /// <summary>One line: a title, an author, a keyword.</summary>
    public static string Line(string raw, string field) => Collapse(Clean(raw, field));

    /// <summary>An abstract: paragraphs (blank-line separated) kept, the hard wraps inside them joined.</summary>
    public static string Block(string raw, string field)
    {
        var text = Clean(raw, field).ReplaceLineEndings("\n");
        var paragraphs = BlankLine().Split(text).Select(Collapse).Where(p => p.Length > 0);
        return string.Join("\n\n", paragraphs);
    }

    static string Clean(string raw, string field)
    {
        var text = WebUtility.HtmlDecode(raw);
        RejectBrokenUnicode(text, field);
        RejectControlCharacters(text, field);
        var active = ActiveHtml().Match(text);
        if (active.Success)
            throw new ItemRejectedException(PaperRules.ActiveHtml, $"{field} contains active HTML ({Excerpt(active.Value)})");
        text = Comment().Replace(text, "");
        text = FormattingTag().Replace(text, tag => BlockTag().IsMatch(tag.Value) ? " " : "");
        return text.Normalize(NormalizationForm.FormC);
    }

    static string Collapse(string text)
    {
        var builder = new StringBuilder(text.Length);
        var pendingSpace = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = builder.Length > 0;
                continue;
            }
            if (pendingSpace)
                builder.Append(' ');
            pendingSpace = false;
            builder.Append(c);
        }
        return builder.ToString();
    }

    static void RejectBrokenUnicode(string text, string field)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            if (char.IsSurrogate(text[i]))
                throw new ItemRejectedException(PaperRules.InvalidUnicode, $"{field} has an unpaired surrogate at position {i}");
        }
    }

    static void RejectControlCharacters(string text, string field)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            // Tabs and line breaks are whitespace and get collapsed; bidi overrides can make a title
            // read differently from what it says, so they count as control characters here.
            var control = (char.IsControl(c) && c is not ('\t' or '\n' or '\r'))
                || c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069';
            if (control)
            {
                throw new ItemRejectedException(PaperRules.ControlCharacter,
                    $"{field} has control character U+{(int)c:X4} at position {i}");
            }
        }
    }

    /// <summary>
    /// The start of a value for a log line, so that a megabyte of bad input is not logged whole, with
    /// control characters masked so that the line stays one line.
    /// </summary>
    internal static string Excerpt(string value, int length = 40)
    {
        var excerpt = string.Concat(value.Take(length).Select(c => char.IsControl(c) ? '\uFFFD' : c));
        return value.Length <= length ? excerpt : excerpt + "…";
    }

    // Elements and attributes that do something when rendered, rather than format text.
    [GeneratedRegex(@"<\s*/?\s*(?:script|style|iframe|frame|frameset|object|embed|applet|form|input|button|textarea|select|link|meta|base|svg|img|video|audio|source|template)\b|<[a-z][^<>]*?\s(?:on[a-z]+\s*=|[a-z-]+\s*=\s*[""']?\s*(?:javascript|vbscript|data):)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ActiveHtml();

    // Only well-formed tags of real formatting elements, so that "a < b" or "$x<y$" in an abstract stays text.
    [GeneratedRegex(@"</?(?:a|abbr|b|bdi|bdo|big|blockquote|br|center|cite|code|dd|del|dfn|div|dl|dt|em|font|h[1-6]|hr|i|ins|kbd|li|mark|math|mfrac|mi|mn|mo|mrow|msqrt|msub|msup|msubsup|ol|p|pre|q|s|samp|small|span|strike|strong|sub|sup|table|tbody|td|th|thead|tr|tt|u|ul|var|wbr)(?:\s+[a-z][a-z0-9:-]*(?:\s*=\s*(?:""[^""<>]*""|'[^'<>]*'|[^\s""'<>=`]+))?)*\s*/?>",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex FormattingTag();

    [GeneratedRegex(@"^</?(?:blockquote|br|dd|div|dl|dt|h[1-6]|hr|li|ol|p|pre|table|tbody|td|th|thead|tr|ul)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BlockTag();

    [GeneratedRegex(@"<!--.*?-->", RegexOptions.Singleline)]
    private static partial Regex Comment();

    [GeneratedRegex(@"\n[ \t\f\v\u00A0]*\n\s*")]
    private static partial Regex BlankLine();
}

/// <summary>Thrown by the text rules when an item cannot be stored; <see cref="PaperRules"/> turns it into a <see cref="Rejection"/>.</summary>
public sealed class ItemRejectedException(string rule, string detail) : Exception($"{rule}: {detail}")
{
    public string Rule { get; } = rule;
    public string Detail { get; } = detail;
}

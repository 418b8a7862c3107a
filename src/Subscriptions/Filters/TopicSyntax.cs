using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Digest.Subscriptions.Filters;

/// <summary>
/// Reads one topic as typed: web-search words for PostgreSQL's websearch_to_tsquery, plus the
/// qualifiers <c>author:</c>, <c>category:</c> and <c>upvotes:</c> (outside quotes, at the start of
/// a word; a value with spaces goes in quotes). Whether the words leave anything to search for is
/// PostgreSQL's to say (<see cref="TopicCheck"/>).
/// </summary>
internal static class TopicSyntax
{
    public const int MaxLength = 200;
    public const int MaxAuthorLength = 100;
    public const int MaxUpvotes = 1_000_000;

    static readonly string[] Qualifiers = ["author:", "category:", "upvotes:"];

    public static bool TryParse(string text, [NotNullWhen(true)] out TopicFilter? topic, [NotNullWhen(false)] out string? error)
    {
        topic = null;
        var query = new StringBuilder();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var inQuotes = false;
        for (var i = 0; i < text.Length;)
        {
            var c = text[i];
            var wordStart = i == 0 || char.IsWhiteSpace(text[i - 1]);
            if (!inQuotes && wordStart && QualifierAt(text, i) is { } qualifier)
            {
                if (!TryReadValue(text, i + qualifier.Length, out var value, out i))
                {
                    error = $"{qualifier}\" has no closing quote.";
                    return false;
                }
                if (value.Length == 0)
                {
                    error = $"{qualifier} needs a value right after the colon, like {Example(qualifier)}.";
                    return false;
                }
                if (!values.TryAdd(qualifier, value))
                {
                    error = $"it has {qualifier} twice; a topic has at most one (put the other in a topic of its own).";
                    return false;
                }
                continue;
            }
            if (c == '"')
                inQuotes = !inQuotes;
            query.Append(c);
            i++;
        }

        var words = Normalise(query.ToString());
        if (words.Length == 0)
        {
            error = "it has no words to search for, only filters; add a word, like: diffusion author:hinton.";
            return false;
        }
        string? author = null;
        if (values.TryGetValue("author:", out var authorValue))
        {
            author = Normalise(authorValue);
            if (author.Length > MaxAuthorLength)
            {
                error = $"author: may be at most {MaxAuthorLength} characters.";
                return false;
            }
        }
        string? category = null;
        if (values.TryGetValue("category:", out var categoryValue) && !ArxivCategories.TryNormalise(categoryValue, out category))
        {
            error = $"“{categoryValue}” is not an arXiv category (see the list of categories), e.g. category:cs.CL.";
            return false;
        }
        var minUpvotes = 0;
        if (values.TryGetValue("upvotes:", out var upvotesValue)
            && (!int.TryParse(upvotesValue.TrimStart('>', '='), NumberStyles.None, CultureInfo.InvariantCulture, out minUpvotes) || minUpvotes > MaxUpvotes))
        {
            error = $"upvotes: needs a whole number from 0 to {MaxUpvotes:N0}, like upvotes:10.";
            return false;
        }
        topic = new TopicFilter(words, author, category, minUpvotes);
        error = null;
        return true;
    }

    /// <summary>Lower case, single spaces: how both the query and the author are compared and stored.</summary>
    static string Normalise(string text) =>
        string.Join(' ', text.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();

    static string? QualifierAt(string text, int index) =>
        Qualifiers.FirstOrDefault(q => text.AsSpan(index).StartsWith(q, StringComparison.OrdinalIgnoreCase));

    /// <summary>A value runs to the next space, or to the closing quote when it starts with one.</summary>
    static bool TryReadValue(string text, int start, out string value, out int next)
    {
        if (start < text.Length && text[start] == '"')
        {
            var close = text.IndexOf('"', start + 1);
            if (close < 0)
            {
                value = "";
                next = text.Length;
                return false;
            }
            value = text[(start + 1)..close].Trim();
            next = close + 1;
            return true;
        }
        var end = start;
        while (end < text.Length && !char.IsWhiteSpace(text[end]))
            end++;
        value = text[start..end];
        next = end;
        return true;
    }

    static string Example(string qualifier) => qualifier switch
    {
        "author:" => "author:hinton or author:\"ada lovelace\"",
        "category:" => "category:cs.CL",
        _ => "upvotes:10",
    };
}

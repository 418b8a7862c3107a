using System.Text;
using Digest.Subscriptions.Filters;

namespace Digest.Papers.Site;

/// <summary>
/// The topic "Subscribe to papers like this" fills in: the paper's key phrases (its source's
/// keywords, e.g. Hugging Face's ai_keywords) joined by <c>or</c>; a paper without keywords (every
/// demo paper) gets the content words of its title's descriptive part. Always a topic the form
/// accepts as it is, and one that matches the paper itself.
/// </summary>
public static class KeyPhrases
{
    const int MaxPhrases = 3;
    const int MaxTitleWords = 3;

    // Words that say nothing about a subject; PostgreSQL drops the grammatical ones too, but a topic
    // made only of them would be refused, and "towards" or "via" would narrow nothing.
    static readonly HashSet<string> Filler = new(StringComparer.OrdinalIgnoreCase)
    {
        "a", "an", "the", "and", "or", "of", "for", "in", "on", "to", "with", "without", "from", "by", "at", "as", "is", "are",
        "be", "do", "does", "can", "via", "using", "towards", "toward", "through", "into", "beyond", "what", "why", "how",
        "when", "where", "which", "who", "your", "our", "their", "its", "it", "we", "you", "not", "all", "any", "more",
        "new", "than", "this", "that", "these", "those", "vs", "versus", "based", "study", "approach", "paper",
    };

    public static string TopicFor(PaperRow paper)
    {
        var phrases = paper.Keywords.Select(Quote).Where(k => k.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).Take(MaxPhrases).ToList();
        var topic = phrases.Count > 0 ? string.Join(" or ", phrases) : FromTitle(paper.Title);
        return TopicSearch.ReadSyntax(topic).Topic is { } parsed && topic.Length > 0 ? parsed.ToString() : "";
    }

    /// <summary>A phrase as a topic word: quoted when it has several words; nothing the topic syntax reads specially survives.</summary>
    public static string Quote(string phrase)
    {
        var words = Words(phrase).ToList();
        return words.Count switch
        {
            0 => "",
            1 => words[0],
            _ => "\"" + string.Join(' ', words) + "\"",
        };
    }

    /// <summary>"DisCO: Reinforcing Large Reasoning Models…" is about what follows the colon; content words only.</summary>
    static string FromTitle(string title)
    {
        var colon = title.IndexOf(':', StringComparison.Ordinal);
        var descriptive = colon > 0 && colon < title.Length - 1 ? title[(colon + 1)..] : title;
        var words = Words(descriptive).Where(w => w.Length > 1 && !Filler.Contains(w)).Take(MaxTitleWords).ToList();
        if (words.Count == 0)
            words = Words(title).Where(w => !Filler.Contains(w)).Take(MaxTitleWords).ToList();
        return string.Join(' ', words);
    }

    /// <summary>Letters and digits (and inner hyphens) only, lower case: no quote, colon or leading minus reaches the topic.</summary>
    static IEnumerable<string> Words(string text)
    {
        var word = new StringBuilder();
        foreach (var c in text + " ")
        {
            if (char.IsLetterOrDigit(c) || (c == '-' && word.Length > 0))
            {
                word.Append(char.ToLowerInvariant(c));
                continue;
            }
            var done = word.ToString().TrimEnd('-');
            word.Clear();
            if (done.Length > 0 && done is not ("or" or "and"))
                yield return done;
        }
    }
}

using Digest.Subscriptions.Web;

namespace Digest.Subscriptions.Filters;

/// <summary>The topics box of the forms: one topic per line, 1 to 10 of them.</summary>
internal static class TopicList
{
    public const int MaxTopics = 10;

    // Ten topics at the longest, their line breaks and some blank lines: anything longer is not a
    // list of topics, and is refused before it is split.
    public const int MaxLength = MaxTopics * (TopicSyntax.MaxLength + 2) + 100;

    /// <summary>Parses the box; on failure, one message per problem, each naming the topic by its number.</summary>
    public static (IReadOnlyList<TopicFilter> Topics, IReadOnlyList<string> Errors) Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return ([], ["Enter at least one topic, like: diffusion models."]);
        if (text.Length > MaxLength)
            return ([], [$"Enter at most {MaxTopics} topics of at most {TopicSyntax.MaxLength} characters each."]);
        if (FormText.FindUnacceptable(text) is { } problem)
            return ([], [$"The topics contain {problem}."]);

        var lines = text.ReplaceLineEndings("\n").Split('\n')
            .Select(l => l.Replace('\t', ' ').Trim())
            .Where(l => l.Length > 0)
            .ToList();
        if (lines.Count > MaxTopics)
            return ([], [$"You entered {lines.Count} topics; the limit is {MaxTopics}. Remove some, or combine them with “or”."]);

        var topics = new List<TopicFilter>();
        var errors = new List<string>();
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Length > TopicSyntax.MaxLength)
                errors.Add($"Topic {i + 1} is {lines[i].Length} characters long; the limit is {TopicSyntax.MaxLength}.");
            else if (!TopicSyntax.TryParse(lines[i], out var topic, out var error))
                errors.Add($"Topic {i + 1} (“{lines[i]}”): {error}");
            else if (!topics.Contains(topic))
                topics.Add(topic); // the same filter written twice counts once
        }
        return (errors.Count == 0 ? topics : [], errors);
    }

    /// <summary>The topics as the box shows them again: one canonical line each.</summary>
    public static string Format(IEnumerable<TopicFilter> topics) => string.Join('\n', topics);
}

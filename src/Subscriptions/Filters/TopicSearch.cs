using Digest.Subscriptions.Web;
using Npgsql;

namespace Digest.Subscriptions.Filters;

/// <summary>
/// One topic typed into a search box, read exactly as the subscribe form reads a topic: the same
/// syntax, the same limits and the same question to PostgreSQL about its words. The papers site's
/// search is a topic previewed, so that "Subscribe to this search" subscribes to what was shown.
/// </summary>
public static class TopicSearch
{
    public const int MaxLength = TopicSyntax.MaxLength;

    /// <returns>The topic, or why it cannot be searched for (a sentence for the page).</returns>
    public static async Task<(TopicFilter? Topic, string? Error)> ParseAsync(NpgsqlConnection connection, string text, CancellationToken cancellationToken = default)
    {
        var (topic, error) = ReadSyntax(text);
        if (topic is null)
            return (null, error);
        var problems = await TopicCheck.FindProblemsAsync(connection, [topic], cancellationToken);
        return problems.Count > 0 ? (null, problems[0]) : (topic, null);
    }

    /// <summary>Everything that can be said without the database.</summary>
    public static (TopicFilter? Topic, string? Error) ReadSyntax(string text)
    {
        text = text.Trim();
        if (text.Length == 0)
            return (null, "Type something to search for, like: diffusion models.");
        if (text.Length > MaxLength)
            return (null, $"A search is at most {MaxLength} characters (this one has {text.Length:N0}).");
        if (FormText.FindUnacceptable(text, multiline: false) is { } problem)
            return (null, $"The search contains {problem}.");
        return TopicSyntax.TryParse(text, out var topic, out var error)
            ? (topic, null)
            : (null, $"The search “{text}” cannot be read: {error}");
    }
}

using System.Globalization;
using System.Text;

namespace Digest.Subscriptions.Filters;

/// <summary>
/// One topic a subscriber follows: a web-search query, optionally narrowed to an author (any
/// author's name containing it), an arXiv category and a minimum number of upvotes. Normalised,
/// so that the same filter written two ways is stored (and evaluated by the planner) once.
/// </summary>
public sealed record TopicFilter(string Query, string? Author, string? Category, int MinUpvotes)
{
    /// <summary>The filter as the subscriber can type it again: <c>query author:"name" category:cs.CL upvotes:10</c>.</summary>
    public override string ToString()
    {
        var text = new StringBuilder(Query);
        if (Author is not null)
            text.Append(Author.Contains(' ', StringComparison.Ordinal) ? $" author:\"{Author}\"" : $" author:{Author}");
        if (Category is not null)
            text.Append(" category:").Append(Category);
        if (MinUpvotes > 0)
            text.Append(" upvotes:").Append(MinUpvotes.ToString(CultureInfo.InvariantCulture));
        return text.ToString();
    }
}

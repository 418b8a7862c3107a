using System.Globalization;
using Digest.Subscriptions.Web;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Digest.Papers.Site;

/// <summary>
/// /search?q=: a topic previewed. The query is read by the subscribe form's rules and matched by
/// the digest's own paper_matches_topic(), so "Subscribe to this search" subscribes to exactly
/// what the page shows. A query that cannot be a topic gets a 400 page that says why.
/// </summary>
internal static class SearchPage
{
    public const string Template = "search";

    public static void Map(IEndpointRouteBuilder pages) =>
        pages.MapGet("/search", Show).RequireRateLimiting(RateLimits.Requests);

    static async Task<ContentHttpResult> Show(string? q, PaperListing listing, Pages pages, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(q))
            return pages.Render(Template, SearchView.Blank);
        var result = await listing.SearchAsync(q, cancellationToken);
        var view = SearchView.Of(q, result);
        return pages.Render(Template, view, result.Topic is null ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK);
    }
}

/// <param name="Query">What was typed, shown again in the box.</param>
/// <param name="Topic">The search as the topic it subscribes to (normalised), when it is one.</param>
internal sealed record SearchView(
    string Query,
    string? Error,
    bool Searched,
    IReadOnlyList<PaperCard> Papers,
    string? Count,
    string? Topic,
    string? SubscribeUrl,
    string? FeedUrl)
{
    public static SearchView Blank { get; } = new("", null, false, [], null, null, null, null);

    public static SearchView Of(string query, SearchResult result)
    {
        if (result.Topic is not { } topic)
            return new SearchView(query, result.Error, false, [], null, null, null, null);
        var papers = result.Papers.Select(PaperCard.Of).ToList();
        var count = result.Total switch
        {
            0 => "No papers match",
            1 => "1 paper matches",
            var n when n > papers.Count => $"{n.ToString("N0", CultureInfo.InvariantCulture)} papers match; the top {papers.Count} are shown",
            var n => $"{n.ToString("N0", CultureInfo.InvariantCulture)} papers match",
        };
        var text = topic.ToString();
        return new SearchView(query, null, true, papers, count, text, SitePaths.Subscribe(text), "/search/feed?q=" + Uri.EscapeDataString(query));
    }
}

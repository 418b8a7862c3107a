using Digest.Subscriptions.Web;

namespace Digest.Papers.Site;

public static class PapersSiteExtensions
{
    /// <summary>
    /// The papers site: / (the latest day's trending papers), /papers/{date}, /papers/{id},
    /// /search?q=, and the Atom feeds /papers/feed and /search/feed?q=; with the pages' security headers.
    /// </summary>
    public static IEndpointRouteBuilder MapPapersSite(this IEndpointRouteBuilder endpoints)
    {
        var pages = endpoints.MapGroup("").AddEndpointFilter<SecurityHeaders.Filter>();
        DayPage.Map(pages);
        PapersFeed.Map(pages);
        PapersRoute.Map(pages);
        SearchPage.Map(pages);
        return endpoints;
    }
}

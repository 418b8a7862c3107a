using Digest.Subscriptions.Web;

namespace Digest.Papers.Site;

/// <summary>
/// /papers/{rest}: a day when it is shaped like a date, else a paper. One route, because arXiv's
/// old ids contain a slash ("hep-th/9901001"), so a paper's address takes the rest of the path.
/// </summary>
internal static class PapersRoute
{
    public static void Map(IEndpointRouteBuilder pages) => pages.MapGet("/papers/{**key}", Show);

    static async Task<IResult> Show(string key, HttpContext http, PaperListing listing, RenderedPages rendered, Pages pages, CancellationToken cancellationToken) =>
        DayPage.LooksLikeDate(key)
            ? await DayPage.Show(key, http, listing, rendered, pages, cancellationToken)
            : await PaperPage.Show(key, http, listing, rendered, pages, cancellationToken);
}

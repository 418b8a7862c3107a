using Digest.Subscriptions.Web;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Digest.Papers.Site;

/// <summary>
/// /papers/{id}: one paper, whole, with "Subscribe to papers like this" (the form with a topic made
/// from its key phrases). An id written another way (a version suffix, "arXiv:") redirects to the
/// paper's own address; an unknown or impossible id is a 404.
/// </summary>
internal static class PaperPage
{
    public const string Template = "paper";

    /// <summary>Longer than any arXiv or local id: not worth normalising.</summary>
    const int MaxIdLength = 64;

    /// <summary>/papers/{id}, from <see cref="PapersRoute"/>.</summary>
    public static async Task<IResult> Show(
        string key, HttpContext http, PaperListing listing, RenderedPages rendered, Pages pages, CancellationToken cancellationToken)
    {
        var id = key.Length <= MaxIdLength ? PaperId.Normalise(key) : null;
        if (id is null)
            return Unknown(pages);
        if (id != key)
            return TypedResults.Redirect(SitePaths.Paper(id), permanent: true);
        var page = await rendered.GetAsync("paper:" + id, async () =>
        {
            if (await listing.PaperAsync(id, cancellationToken) is not { } paper)
                return null;
            var topic = KeyPhrases.TopicFor(paper);
            var view = new PaperView(PaperCard.Of(paper), topic, topic.Length == 0 ? "/subscribe" : SitePaths.Subscribe(topic));
            return RenderedPage.Of(pages.Html(Template, view), Pages.HtmlContentType, [paper]);
        });
        return page is null ? Unknown(pages) : Revalidation.Respond(http, page);
    }

    static ContentHttpResult Unknown(Pages pages) => pages.Error(StatusCodes.Status404NotFound,
        "No such paper",
        "We have no paper with that id. Paper ids are arXiv ids (like 2509.04664) or the local ids this site gives papers without one; the home page lists the latest papers.");
}

/// <param name="Topic">The topic "Subscribe to papers like this" fills in (empty: none could be made).</param>
internal sealed record PaperView(PaperCard Paper, string Topic, string SubscribeUrl);

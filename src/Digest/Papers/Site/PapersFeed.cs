using System.Globalization;
using System.Text;
using System.Xml;
using Digest.Subscriptions.Site;
using Digest.Subscriptions.Web;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Digest.Papers.Site;

/// <summary>
/// Atom feeds for readers who prefer them: /papers/feed (the latest day's trending papers) and
/// /search/feed?q= (a search, ranked as the page ranks it). Every link is absolute, on
/// Digest:PublicUrl, as in mail.
/// </summary>
internal static class PapersFeed
{
    const string AtomNamespace = "http://www.w3.org/2005/Atom";
    const string ContentType = "application/atom+xml; charset=utf-8";

    public static void Map(IEndpointRouteBuilder pages)
    {
        pages.MapGet("/papers/feed", Day);
        pages.MapGet("/search/feed", Search).RequireRateLimiting(RateLimits.Requests);
    }

    static async Task<IResult> Day(HttpContext http, PaperListing listing, RenderedPages rendered, PublicSite site, CancellationToken cancellationToken)
    {
        var page = await rendered.GetAsync("feed", async () =>
        {
            var day = await listing.LatestAsync(cancellationToken);
            var title = day is null
                ? "Digest — trending papers"
                : "Digest — trending papers, " + day.Day.ToString("MMM d, yyyy", CultureInfo.InvariantCulture);
            var papers = day?.Papers ?? [];
            return RenderedPage.Of(Write(site, "papers/feed", "", title, papers), ContentType, papers);
        });
        return Revalidation.Respond(http, page!);
    }

    static async Task<IResult> Search(string? q, HttpContext http, PaperListing listing, PublicSite site, Pages pages, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(q))
            return pages.Error(StatusCodes.Status400BadRequest, "No search", "A search feed needs a search: /search/feed?q=diffusion models.");
        var result = await listing.SearchAsync(q, cancellationToken);
        if (result.Topic is not { } topic)
            return pages.Error(StatusCodes.Status400BadRequest, "That search cannot be read", result.Error ?? "");
        var xml = Write(site, "search/feed?q=" + Uri.EscapeDataString(q), "search?q=" + Uri.EscapeDataString(q), $"Digest — papers matching {topic}", result.Papers);
        return Revalidation.Respond(http, RenderedPage.Of(xml, ContentType, result.Papers));
    }

    static string Write(PublicSite site, string selfPath, string pagePath, string title, IReadOnlyList<PaperRow> papers)
    {
        var text = new StringBuilder();
        var settings = new XmlWriterSettings { Indent = true, Encoding = Encoding.UTF8, OmitXmlDeclaration = false };
        using (var writer = XmlWriter.Create(new StringWriter(text, CultureInfo.InvariantCulture), settings))
        {
            writer.WriteStartDocument();
            writer.WriteStartElement("feed", AtomNamespace);
            Element(writer, "title", title);
            Element(writer, "id", site.Url(selfPath).AbsoluteUri);
            Link(writer, "self", site.Url(selfPath).AbsoluteUri, "application/atom+xml");
            Link(writer, "alternate", site.Url(pagePath).AbsoluteUri, "text/html");
            Element(writer, "updated", Time(papers.Count == 0 ? DateTime.UnixEpoch : papers.Max(p => p.UpdatedAt)));
            // Atom wants an author for every entry; a paper with none listed falls back to this.
            writer.WriteStartElement("author");
            Element(writer, "name", "Digest");
            writer.WriteEndElement();
            foreach (var paper in papers)
                Entry(writer, site, paper);
            writer.WriteEndElement();
            writer.WriteEndDocument();
        }
        // StringWriter reports UTF-16; the bytes go out as UTF-8.
        return text.ToString().Replace("encoding=\"utf-16\"", "encoding=\"utf-8\"", StringComparison.Ordinal);
    }

    static void Entry(XmlWriter writer, PublicSite site, PaperRow paper)
    {
        var url = site.Url(SitePaths.Paper(paper.Id)).AbsoluteUri;
        writer.WriteStartElement("entry");
        Element(writer, "title", paper.Title);
        Element(writer, "id", url);
        Link(writer, "alternate", url, "text/html");
        Element(writer, "published", Time(paper.ListedAt));
        Element(writer, "updated", Time(paper.UpdatedAt));
        foreach (var author in paper.Authors)
        {
            writer.WriteStartElement("author");
            Element(writer, "name", author);
            writer.WriteEndElement();
        }
        foreach (var category in paper.Categories)
        {
            writer.WriteStartElement("category");
            writer.WriteAttributeString("term", XmlText(category));
            writer.WriteEndElement();
        }
        var upvotes = paper.Upvotes == 1 ? "1 upvote" : $"{paper.Upvotes.ToString(CultureInfo.InvariantCulture)} upvotes";
        Element(writer, "summary", paper.Abstract.Length == 0 ? upvotes : $"{upvotes}. {paper.Abstract}");
        writer.WriteEndElement();
    }

    static void Element(XmlWriter writer, string name, string value) => writer.WriteElementString(name, XmlText(value));

    static void Link(XmlWriter writer, string rel, string href, string type)
    {
        writer.WriteStartElement("link");
        writer.WriteAttributeString("rel", rel);
        writer.WriteAttributeString("type", type);
        writer.WriteAttributeString("href", href);
        writer.WriteEndElement();
    }

    static string Time(DateTime at) => DateTime.SpecifyKind(at, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Stored text is clean already; whatever XML 1.0 cannot carry is dropped rather than failing the feed.</summary>
    static string XmlText(string value)
    {
        if (XmlConvert.VerifyXmlChars(value) is null)
            return value;
        var kept = new StringBuilder(value.Length);
        foreach (var rune in value.EnumerateRunes())
        {
            if (rune.Value is 0x9 or 0xA or 0xD or (>= 0x20 and <= 0xD7FF) or (>= 0xE000 and <= 0xFFFD) or >= 0x10000)
                kept.Append(rune.ToString());
        }
        return kept.ToString();
    }
}

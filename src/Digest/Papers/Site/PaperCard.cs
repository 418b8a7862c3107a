using System.Globalization;

namespace Digest.Papers.Site;

/// <summary>One paper as the site's templates show it (partials/paper-card and pages/paper). Text stays raw: the templates escape it.</summary>
public sealed record PaperCard(
    string Id,
    string Url,
    string Title,
    string Authors,
    IReadOnlyList<string> AllAuthors,
    string Date,
    string DateIso,
    string DayUrl,
    string? Published,
    int Upvotes,
    string UpvotesText,
    string Abstract,
    IReadOnlyList<Chip> Keywords,
    IReadOnlyList<string> Categories,
    IReadOnlyList<PaperLink> Links)
{
    /// <summary>Authors named on a card before "et al.".</summary>
    const int NamedAuthors = 3;

    public bool HasChips => Keywords.Count > 0 || Categories.Count > 0;

    public static PaperCard Of(PaperRow paper)
    {
        var day = DateOnly.FromDateTime(paper.ListedAt);
        return new PaperCard(
            paper.Id,
            SitePaths.Paper(paper.Id),
            paper.Title,
            Byline(paper.Authors),
            paper.Authors,
            day.ToString("MMM d, yyyy", CultureInfo.InvariantCulture),
            SitePaths.Day(day)[SitePaths.DayPrefix.Length..],
            SitePaths.Day(day),
            paper.PublishedOn is { } published && published != day ? published.ToString("MMM d, yyyy", CultureInfo.InvariantCulture) : null,
            paper.Upvotes,
            paper.Upvotes == 1 ? "1 upvote" : $"{paper.Upvotes.ToString("N0", CultureInfo.InvariantCulture)} upvotes",
            paper.Abstract,
            paper.Keywords.Select(k => new Chip(k, SitePaths.Search(KeyPhrases.Quote(k)))).ToList(),
            paper.Categories,
            LinksOf(paper));
    }

    /// <summary>"12 authors: Ada Lovelace, Grace Hopper, Alan Turing et al."; a list one longer is shown whole.</summary>
    static string Byline(string[] authors) => authors.Length switch
    {
        0 => "Authors not listed",
        1 => "1 author: " + authors[0],
        <= NamedAuthors + 1 => $"{authors.Length} authors: {string.Join(", ", authors)}",
        _ => $"{authors.Length.ToString("N0", CultureInfo.InvariantCulture)} authors: {string.Join(", ", authors.Take(NamedAuthors))} et al.",
    };

    /// <summary>
    /// arXiv's abstract and PDF and Hugging Face's page exist for every arXiv id; a paper with a
    /// local id has only what its source gave. Only http(s) URLs are ever linked.
    /// </summary>
    static List<PaperLink> LinksOf(PaperRow paper)
    {
        var links = new List<PaperLink>();
        var arxiv = PaperId.IsArxiv(paper.Id);
        if (arxiv)
            links.Add(new PaperLink("arXiv", $"https://arxiv.org/abs/{paper.Id}"));
        if ((WebUrl(paper.PdfUrl) ?? (arxiv ? $"https://arxiv.org/pdf/{paper.Id}" : null)) is { } pdf)
            links.Add(new PaperLink("PDF", pdf));
        if (arxiv)
            links.Add(new PaperLink("Hugging Face", $"https://huggingface.co/papers/{paper.Id}"));
        if (WebUrl(paper.PageUrl) is { } page && !links.Any(l => SameUrl(l.Url, page)))
            links.Add(new PaperLink("Paper page", page));
        if (WebUrl(paper.CodeUrl) is { } code)
            links.Add(new PaperLink("Code", code));
        return links;
    }

    static string? WebUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https" ? parsed.AbsoluteUri : null;

    static bool SameUrl(string a, string b) =>
        string.Equals(a.Replace("http://", "https://", StringComparison.Ordinal).TrimEnd('/'), b.Replace("http://", "https://", StringComparison.Ordinal).TrimEnd('/'), StringComparison.OrdinalIgnoreCase);
}

/// <summary>A keyword, linking to the search for it.</summary>
public sealed record Chip(string Text, string Url);

public sealed record PaperLink(string Label, string Url);

using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;

namespace Digest.Papers.Arxiv;

/// <summary>One page of the arXiv API's Atom 1.0 answer (see notes/sources.md for the fields).</summary>
internal static partial class AtomFeed
{
    static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";
    static readonly XNamespace Arxiv = "http://arxiv.org/schemas/atom";
    static readonly XNamespace OpenSearch = "http://a9.com/-/spec/opensearch/1.1/";

    // Feed XML is input like any other: no DTDs, no external entities.
    static readonly XmlReaderSettings Safe = new() { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };

    /// <returns>The page's batch, how many entries it held, and the total the query matches.</returns>
    public static (FetchedBatch Batch, int Entries, int? Total) Read(string xml, string document)
    {
        XDocument feed;
        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), Safe);
            feed = XDocument.Load(reader);
        }
        catch (XmlException e)
        {
            return (FetchedBatch.Failed(document, $"malformed XML: {e.Message}"), 0, null);
        }
        if (feed.Root?.Name != Atom + "feed")
            return (FetchedBatch.Failed(document, $"expected an Atom feed, got <{feed.Root?.Name.LocalName}>"), 0, null);
        if (ErrorOf(feed) is { } error)
            return (FetchedBatch.Failed(document, $"arXiv answered an error: {error}"), 0, null);

        var entries = feed.Root.Elements(Atom + "entry").ToList();
        var items = new List<PaperCandidate>();
        var unreadable = new List<Rejection>();
        for (var i = 0; i < entries.Count; i++)
        {
            var reference = $"{document} entry {i}";
            try
            {
                items.Add(ToCandidate(entries[i], reference));
            }
            catch (FormatException e)
            {
                unreadable.Add(new Rejection(reference, PaperRules.Shape, $"not an arXiv entry: {e.Message}"));
            }
        }
        var total = int.TryParse(feed.Root.Element(OpenSearch + "totalResults")?.Value, CultureInfo.InvariantCulture, out var t) ? t : (int?)null;
        return (new FetchedBatch(document, items, unreadable), entries.Count, total);
    }

    /// <summary>arXiv reports a bad query as a feed with one entry titled "Error".</summary>
    public static string? ErrorOf(XDocument feed)
    {
        var entries = feed.Root?.Elements(Atom + "entry").ToList() ?? [];
        return entries is [var only] && only.Element(Atom + "title")?.Value.Trim() == "Error"
            ? only.Element(Atom + "summary")?.Value.Trim() ?? "no detail"
            : null;
    }

    /// <summary>The error message of an error answer (arXiv sends them with HTTP 400), if the body is one.</summary>
    public static string? ErrorIn(string? body)
    {
        if (string.IsNullOrEmpty(body))
            return null;
        try
        {
            using var reader = XmlReader.Create(new StringReader(body), Safe);
            return ErrorOf(XDocument.Load(reader));
        }
        catch (XmlException)
        {
            return null;
        }
    }

    static PaperCandidate ToCandidate(XElement entry, string reference)
    {
        var id = entry.Element(Atom + "id")?.Value.Trim();
        var primary = entry.Element(Arxiv + "primary_category")?.Attribute("term")?.Value;
        var categories = entry.Elements(Atom + "category").Select(c => c.Attribute("term")?.Value);
        var links = entry.Elements(Atom + "link").ToList();
        var page = links.FirstOrDefault(l => (string?)l.Attribute("rel") == "alternate")?.Attribute("href")?.Value;
        var pdf = links.FirstOrDefault(l => (string?)l.Attribute("title") == "pdf")?.Attribute("href")?.Value;
        var published = Timestamp(entry.Element(Atom + "published")?.Value);
        return new PaperCandidate(
            reference,
            id,
            entry.Element(Atom + "title")?.Value,
            entry.Element(Atom + "summary")?.Value,
            entry.Elements(Atom + "author").Select(a => a.Element(Atom + "name")?.Value).ToList(),
            (primary is null ? categories : categories.Prepend(primary)).Distinct().ToList(),
            PageUrl: Unversioned(page),
            PdfUrl: Unversioned(pdf),
            PublishedOn: published is { } p ? DateOnly.FromDateTime(p.UtcDateTime) : null,
            ListedAt: published);
    }

    static DateTimeOffset? Timestamp(string? value) => value is null
        ? null
        : DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    // Links point at the paper, not at the version this page happened to list, so v2 does not move them.
    static string? Unversioned(string? url) => url is null ? null : VersionSuffix().Replace(url, "");

    [GeneratedRegex(@"v\d+(?=$|\.pdf$)")]
    private static partial Regex VersionSuffix();
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace Digest.Papers.HuggingFace;

/// <summary>One entry of <c>/api/daily_papers</c>, in the fields the adapter reads (see notes/sources.md).</summary>
internal sealed record DailyPaperItem(DailyPaper? Paper, DateTimeOffset? PublishedAt, string? Title, string? Summary)
{
    /// <summary>Paper pages are linked on the public site, whichever server the feed was read from.</summary>
    static readonly Uri PaperPages = new("https://huggingface.co/papers/");
    static readonly Uri ArxivPdfs = new("https://arxiv.org/pdf/");

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Reads a run of items; see <see cref="JsonItems.Read"/>.</summary>
    public static (List<PaperCandidate> Items, List<Rejection> Unreadable) ReadAll(IEnumerable<JsonElement> elements, string document, DateOnly? day, int firstIndex = 0) =>
        JsonItems.Read(elements, document, firstIndex, "a daily-papers item",
            (element, reference) => JsonItems.Deserialize<DailyPaperItem>(element, Json).ToCandidate(reference, day));

    PaperCandidate ToCandidate(string reference, DateOnly? day)
    {
        var id = Paper?.Id;
        var link = id is null ? null : Uri.EscapeDataString(id);
        return new PaperCandidate(
            reference,
            id,
            Paper?.Title ?? Title,
            Paper?.Summary ?? Summary,
            Paper?.Authors?.Where(a => a is not null && a.Hidden != true).Select(a => a!.Name).ToList(),
            Keywords: Paper?.AiKeywords,
            PageUrl: link is null ? null : new Uri(PaperPages, link).ToString(),
            PdfUrl: link is null ? null : new Uri(ArxivPdfs, link).ToString(),
            CodeUrl: Paper?.GithubRepo,
            PublishedOn: Paper?.PublishedAt is { } published ? DateOnly.FromDateTime(published.UtcDateTime) : null,
            // The day it appeared on the list; the top-level publishedAt is the same moment in the real feed.
            ListedAt: Paper?.SubmittedOnDailyAt ?? PublishedAt ?? day?.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
            Upvotes: Paper?.Upvotes);
    }
}

internal sealed record DailyPaper(
    string? Id,
    List<DailyPaperAuthor?>? Authors,
    DateTimeOffset? PublishedAt,
    DateTimeOffset? SubmittedOnDailyAt,
    string? Title,
    string? Summary,
    int? Upvotes,
    [property: JsonPropertyName("ai_keywords")] List<string?>? AiKeywords,
    string? GithubRepo);

internal sealed record DailyPaperAuthor(string? Name, bool? Hidden);

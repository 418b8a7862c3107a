using System.Text.Json;

namespace Digest.Papers.Files;

/// <summary>One paper in the project's own feed format, <c>digest-papers/1</c> (see Files/FORMAT.md).</summary>
internal sealed record FeedFilePaper(
    string? Id,
    string? Title,
    string? Abstract,
    List<string?>? Authors,
    List<string?>? Categories,
    List<string?>? Keywords,
    string? PageUrl,
    string? PdfUrl,
    string? CodeUrl,
    DateOnly? PublishedOn,
    DateTimeOffset? ListedAt,
    int? Upvotes)
{
    public const string Format = "digest-papers/1";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <param name="now">Listed time of a paper that gives neither listedAt nor publishedOn.</param>
    public PaperCandidate ToCandidate(string reference, DateTimeOffset now) => new(
        reference,
        // A paper without an arXiv id is keyed by its title, the same way wherever it comes from.
        string.IsNullOrWhiteSpace(Id) && !string.IsNullOrWhiteSpace(Title) ? PaperId.Local(PaperText.Line(Title, "title")) : Id,
        Title,
        Abstract,
        Authors,
        Categories,
        Keywords,
        PageUrl,
        PdfUrl,
        CodeUrl,
        PublishedOn,
        ListedAt ?? PublishedOn?.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc) ?? now,
        Upvotes);
}

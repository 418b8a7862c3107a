namespace Digest.Papers;

/// <summary>A paper that passed every rule: plain, normalised text, ready to be stored.</summary>
/// <param name="Id">The arXiv id without its version, or a local id (<see cref="PaperId"/>).</param>
/// <param name="Upvotes">Null when the source does not count upvotes (arXiv), so the stored count is kept.</param>
public sealed record Paper(
    string Id,
    string Title,
    string Abstract,
    IReadOnlyList<string> Authors,
    IReadOnlyList<string> Categories,
    IReadOnlyList<string> Keywords,
    string? PageUrl,
    string? PdfUrl,
    string? CodeUrl,
    DateOnly? PublishedOn,
    DateTimeOffset ListedAt,
    int? Upvotes);

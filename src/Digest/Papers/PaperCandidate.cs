namespace Digest.Papers;

/// <summary>
/// One item as a source read it, before any rule was applied: every field exactly as the feed gave
/// it, any of them possibly missing. <see cref="PaperRules"/> turns it into a <see cref="Paper"/> or
/// a <see cref="Rejection"/>.
/// </summary>
/// <param name="Reference">How a log line names the item when its id is unusable ("2025-09-08 page 1 item 17").</param>
public sealed record PaperCandidate(
    string Reference,
    string? Id,
    string? Title,
    string? Abstract,
    IReadOnlyList<string?>? Authors = null,
    IReadOnlyList<string?>? Categories = null,
    IReadOnlyList<string?>? Keywords = null,
    string? PageUrl = null,
    string? PdfUrl = null,
    string? CodeUrl = null,
    DateOnly? PublishedOn = null,
    DateTimeOffset? ListedAt = null,
    int? Upvotes = null);

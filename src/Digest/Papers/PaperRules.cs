using System.Text.RegularExpressions;

namespace Digest.Papers;

/// <summary>
/// What an item must be to be stored, and the normalisation applied on the way. The limits are far
/// beyond real papers (arXiv caps abstracts at 1,920 characters; the largest author lists run to a
/// few thousand names) and exist to refuse absurd or hostile input, not to judge papers.
/// </summary>
public static partial class PaperRules
{
    public const string Shape = "item.shape";
    public const string IdMissing = "id.missing";
    public const string IdFormat = "id.format";
    public const string TitleMissing = "title.missing";
    public const string TooLong = "text.too-long";
    public const string TooMany = "list.too-long";
    public const string ControlCharacter = "text.control-character";
    public const string InvalidUnicode = "text.invalid-unicode";
    public const string ActiveHtml = "text.active-html";
    public const string CategoryFormat = "category.format";
    public const string UrlFormat = "url.format";
    public const string DateRange = "date.range";
    public const string ListedAtMissing = "listed-at.missing";
    public const string UpvotesRange = "upvotes.range";

    public const int MaxTitle = 1_000;
    public const int MaxAbstract = 20_000;
    public const int MaxAuthors = 5_000;
    public const int MaxAuthorName = 500;
    public const int MaxKeywords = 100;
    public const int MaxKeyword = 200;
    public const int MaxCategories = 50;
    public const int MaxUrl = 2_048;
    public const int MaxUpvotes = 10_000_000;

    // arXiv opened in 1991; anything before is a parsing accident, anything past tomorrow a clock one.
    static readonly DateOnly Earliest = new(1991, 1, 1);

    /// <summary>The stored form of <paramref name="item"/>, or why it cannot be stored.</summary>
    public static (Paper? Paper, Rejection? Rejection) Check(PaperCandidate item, DateTimeOffset now)
    {
        try
        {
            return (Normalise(item, now), null);
        }
        catch (ItemRejectedException e)
        {
            var name = item.Id is { Length: > 0 and <= 64 } id && !id.Any(char.IsControl) ? id : item.Reference;
            return (null, new Rejection(name, e.Rule, e.Detail));
        }
    }

    static Paper Normalise(PaperCandidate item, DateTimeOffset now)
    {
        var title = Required(item.Title, MaxTitle, "title", TitleMissing, PaperText.Line);
        var id = string.IsNullOrWhiteSpace(item.Id)
            ? throw new ItemRejectedException(IdMissing, "the item has no id")
            : PaperId.Normalise(item.Id) ?? throw new ItemRejectedException(IdFormat, $"'{PaperText.Excerpt(item.Id, 60)}' is neither an arXiv id nor a local id");
        var latest = DateOnly.FromDateTime(now.UtcDateTime).AddDays(1);
        if (item.PublishedOn is { } published && (published < Earliest || published > latest))
            throw new ItemRejectedException(DateRange, $"published {published:yyyy-MM-dd} is outside {Earliest:yyyy-MM-dd}..{latest:yyyy-MM-dd}");
        var listedAt = item.ListedAt ?? throw new ItemRejectedException(ListedAtMissing, "the item says nowhere when it was listed");
        if (DateOnly.FromDateTime(listedAt.UtcDateTime) is var listedOn && (listedOn < Earliest || listedOn > latest))
            throw new ItemRejectedException(DateRange, $"listed {listedAt:O} is outside {Earliest:yyyy-MM-dd}..{latest:yyyy-MM-dd}");
        if (item.Upvotes is < 0 or > MaxUpvotes)
            throw new ItemRejectedException(UpvotesRange, $"{item.Upvotes} upvotes is outside 0..{MaxUpvotes}");

        return new Paper(
            id,
            title,
            Optional(item.Abstract, MaxAbstract, "abstract", PaperText.Block) ?? "",
            List(item.Authors, MaxAuthors, MaxAuthorName, "authors"),
            Categories(item.Categories),
            List(item.Keywords, MaxKeywords, MaxKeyword, "keywords"),
            Url(item.PageUrl, "page URL"),
            Url(item.PdfUrl, "PDF URL"),
            Url(item.CodeUrl, "code URL"),
            item.PublishedOn,
            listedAt.ToUniversalTime(),
            item.Upvotes);
    }

    static string Required(string? raw, int max, string field, string missingRule, Func<string, string, string> normalise) =>
        Optional(raw, max, field, normalise) is { Length: > 0 } text
            ? text
            : throw new ItemRejectedException(missingRule, $"the item has no {field}");

    static string? Optional(string? raw, int max, string field, Func<string, string, string> normalise)
    {
        if (raw is null)
            return null;
        // Refuse the absurd before spending time on it; the exact limit applies to the normalised text.
        if (raw.Length > max * 4)
            throw new ItemRejectedException(TooLong, $"{field} is {raw.Length:N0} characters, more than {max:N0}");
        var text = normalise(raw, field);
        return text.Length <= max ? text : throw new ItemRejectedException(TooLong, $"{field} is {text.Length:N0} characters, more than {max:N0}");
    }

    static List<string> List(IReadOnlyList<string?>? raw, int maxCount, int maxLength, string field)
    {
        if (raw is null)
            return [];
        if (raw.Count > maxCount)
            throw new ItemRejectedException(TooMany, $"{raw.Count:N0} {field}, more than {maxCount:N0}");
        // Blank entries carry nothing; repeated ones are the feed's noise, not the paper's.
        return raw.Select((value, i) => Optional(value, maxLength, $"{field}[{i}]", PaperText.Line))
            .OfType<string>()
            .Where(value => value.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    static List<string> Categories(IReadOnlyList<string?>? raw)
    {
        var categories = List(raw, MaxCategories, 40, "categories");
        var bad = categories.FirstOrDefault(c => !Category().IsMatch(c));
        return bad is null ? categories : throw new ItemRejectedException(CategoryFormat, $"'{bad}' is not an arXiv category");
    }

    static string? Url(string? raw, string field)
    {
        if (string.IsNullOrWhiteSpace(raw))
            return null;
        var text = raw.Trim();
        if (text.Length > MaxUrl
            || !Uri.TryCreate(text, UriKind.Absolute, out var uri)
            || uri.Scheme is not ("http" or "https")
            || text.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            throw new ItemRejectedException(UrlFormat, $"{field} '{PaperText.Excerpt(text, 60)}' is not an absolute http(s) URL");
        }
        return uri.AbsoluteUri;
    }

    [GeneratedRegex(@"^[a-zA-Z-]+(?:\.[a-zA-Z-]+)?$")]
    private static partial Regex Category();
}

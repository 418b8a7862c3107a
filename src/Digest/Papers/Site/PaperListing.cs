using Dapper;
using Digest.Subscriptions.Filters;
using Npgsql;

namespace Digest.Papers.Site;

/// <summary>
/// What the papers site reads: a day's papers (a paper's day is the UTC date a source first listed
/// it), the days around it that have papers, one paper, and a search. Days and pages rank as the
/// listing people know: upvotes, then the most recently listed; a search ranks as the digest does:
/// upvotes, then text rank.
/// </summary>
public sealed class PaperListing(NpgsqlDataSource dataSource, TimeProvider clock)
{
    /// <summary>A day shows at most this many papers (Hugging Face lists ~50 a day; arXiv by category can list hundreds).</summary>
    public const int DayLimit = 100;

    public const int SearchLimit = 50;

    const string Columns = """
        p.id AS Id, p.title AS Title, p.abstract AS Abstract, p.authors AS Authors, p.categories AS Categories,
        p.keywords AS Keywords, p.page_url AS PageUrl, p.pdf_url AS PdfUrl, p.code_url AS CodeUrl,
        p.published_on AS PublishedOn, p.listed_at AS ListedAt, p.upvotes AS Upvotes, p.updated_at AS UpdatedAt
        """;

    /// <summary>The latest day with papers, not counting days after tomorrow (a feed's clock can run ahead; a bad one should not hide today).</summary>
    async Task<DateOnly?> LatestDayAsync(CancellationToken cancellationToken = default)
    {
        const string Sql = "SELECT max(listed_at) FROM papers WHERE listed_at < @Before";
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var latest = await connection.ExecuteScalarAsync<DateTime?>(new CommandDefinition(Sql,
            new { Before = DayStart(DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime).AddDays(2)) }, cancellationToken: cancellationToken));
        return latest is { } at ? DateOnly.FromDateTime(at) : null;
    }

    /// <summary>The latest day's papers; null when there are no papers at all.</summary>
    public async Task<PaperDay?> LatestAsync(CancellationToken cancellationToken = default) =>
        await LatestDayAsync(cancellationToken) is { } day ? await DayAsync(day, cancellationToken) : null;

    public async Task<PaperDay> DayAsync(DateOnly day, CancellationToken cancellationToken = default)
    {
        const string Sql = $"""
            SELECT {Columns}, count(*) OVER () AS Total
            FROM papers p
            WHERE p.listed_at >= @Start AND p.listed_at < @End
            ORDER BY p.upvotes DESC, p.listed_at DESC, p.id
            LIMIT @Limit;

            SELECT (SELECT max(listed_at) FROM papers WHERE listed_at < @Start) AS Previous,
                   (SELECT min(listed_at) FROM papers WHERE listed_at >= @End) AS Next
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(Sql,
            new { Start = DayStart(day), End = DayStart(day.AddDays(1)), Limit = DayLimit }, cancellationToken: cancellationToken));
        var papers = (await results.ReadAsync<PaperRow>()).AsList();
        var around = await results.ReadSingleAsync<Around>();
        return new PaperDay(day, papers, papers.Count == 0 ? 0 : papers[0].Total,
            around.Previous is { } previous ? DateOnly.FromDateTime(previous) : null,
            around.Next is { } next ? DateOnly.FromDateTime(next) : null);
    }

    public async Task<PaperRow?> PaperAsync(string id, CancellationToken cancellationToken = default)
    {
        const string Sql = $"SELECT {Columns}, 1 AS Total FROM papers p WHERE p.id = @id";
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<PaperRow>(new CommandDefinition(Sql, new { id }, cancellationToken: cancellationToken));
    }

    /// <summary>Reads the search as a topic (the form's rules, PostgreSQL's words) and runs it with the digest's own test of a match.</summary>
    public async Task<SearchResult> SearchAsync(string text, CancellationToken cancellationToken = default)
    {
        const string Sql = $"""
            SELECT {Columns}, count(*) OVER () AS Total
            FROM papers p, websearch_to_tsquery('english', @Query) AS q
            WHERE paper_matches_topic(p, q, @Author, @Category, @MinUpvotes)
            ORDER BY p.upvotes DESC, ts_rank(p.search, q) DESC, p.listed_at DESC, p.id
            LIMIT @Limit
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var (topic, error) = await TopicSearch.ParseAsync(connection, text, cancellationToken);
        if (topic is null)
            return new SearchResult(null, error, [], 0);
        var papers = (await connection.QueryAsync<PaperRow>(new CommandDefinition(Sql, new
        {
            topic.Query,
            topic.Author,
            topic.Category,
            topic.MinUpvotes,
            Limit = SearchLimit,
        }, cancellationToken: cancellationToken))).AsList();
        return new SearchResult(topic, null, papers, papers.Count == 0 ? 0 : papers[0].Total);
    }

    static DateTime DayStart(DateOnly day) => day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);

    sealed record Around(DateTime? Previous, DateTime? Next);
}

/// <param name="Total">How many papers the day has (more than <see cref="PaperListing.DayLimit"/> are not shown).</param>
/// <param name="Previous">The nearest earlier day with papers.</param>
/// <param name="Next">The nearest later day with papers.</param>
public sealed record PaperDay(DateOnly Day, IReadOnlyList<PaperRow> Papers, long Total, DateOnly? Previous, DateOnly? Next);

/// <param name="Topic">The search read as a topic; null when it cannot be (see <paramref name="Error"/>).</param>
public sealed record SearchResult(TopicFilter? Topic, string? Error, IReadOnlyList<PaperRow> Papers, long Total);

/// <summary>A stored paper as the site shows it.</summary>
// A class, not a positional record: Npgsql reports text[] columns as System.Array, which Dapper
// assigns to string[] properties but does not match to constructor parameters.
public sealed class PaperRow
{
    public required string Id { get; init; }
    public required string Title { get; init; }
    public string Abstract { get; init; } = "";
    public string[] Authors { get; init; } = [];
    public string[] Categories { get; init; } = [];
    public string[] Keywords { get; init; } = [];
    public string? PageUrl { get; init; }
    public string? PdfUrl { get; init; }
    public string? CodeUrl { get; init; }
    public DateOnly? PublishedOn { get; init; }
    public DateTime ListedAt { get; init; }
    public int Upvotes { get; init; }
    public DateTime UpdatedAt { get; init; }
    public long Total { get; init; }
}

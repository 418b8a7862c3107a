using Dapper;
using Digest.Subscriptions.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Digest.Subscriptions.Filters;

/// <summary>
/// GET /preview?topics=…: what each topic would have matched among the papers first seen in the
/// last 7 days (count and top titles), so that a filter can be trusted before subscribing. The
/// form's script calls it as the topics are typed; read-only, so no antiforgery, but rate-limited.
/// </summary>
internal static class PreviewEndpoint
{
    public const int Days = 7;
    const int TopTitles = 3;

    public static void Map(IEndpointRouteBuilder pages) =>
        pages.MapGet("/preview", PreviewAsync).RequireRateLimiting(RateLimits.Requests);

    static async Task<Ok<PreviewResponse>> PreviewAsync(
        string? topics, NpgsqlDataSource dataSource, TimeProvider clock, CancellationToken cancellationToken)
    {
        var (parsed, errors) = TopicList.Parse(topics);
        if (errors.Count > 0 || parsed.Count == 0)
            return TypedResults.Ok(new PreviewResponse(Days, [], errors));

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var problems = await TopicCheck.FindProblemsAsync(connection, parsed, cancellationToken);
        if (problems.Count > 0)
            return TypedResults.Ok(new PreviewResponse(Days, [], problems));

        const string Sql = """
            SELECT t.position::int AS Position, m.count::int AS Count, coalesce(m.titles, '{}') AS Titles
            FROM unnest(@Queries::text[], @Authors::text[], @Categories::text[], @MinUpvotes::int[])
                 WITH ORDINALITY AS t(query, author, category, min_upvotes, position)
            CROSS JOIN LATERAL (
                SELECT count(*) AS count,
                       (array_agg(p.title ORDER BY p.upvotes DESC, p.first_seen_at DESC))[1:@TopTitles] AS titles
                FROM papers p
                WHERE p.first_seen_at >= @Since
                  AND paper_matches_topic(p, websearch_to_tsquery('english', t.query), t.author, t.category, t.min_upvotes)
            ) m
            ORDER BY t.position
            """;
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(Sql, new
        {
            Queries = parsed.Select(t => t.Query).ToArray(),
            Authors = parsed.Select(t => t.Author).ToArray(),
            Categories = parsed.Select(t => t.Category).ToArray(),
            MinUpvotes = parsed.Select(t => t.MinUpvotes).ToArray(),
            TopTitles,
            Since = clock.GetUtcNow() - TimeSpan.FromDays(Days),
        }, cancellationToken: cancellationToken));
        var previews = rows.Select(r => new TopicPreview(parsed[r.Position - 1].ToString(), r.Count, r.Titles)).ToList();
        return TypedResults.Ok(new PreviewResponse(Days, previews, []));
    }

    // A class, not a positional record: Dapper matches constructors by exact type, and a text[]
    // column reports its type as System.Array.
    sealed class Row
    {
        public int Position { get; init; }
        public int Count { get; init; }
        public string[] Titles { get; init; } = [];
    }
}

/// <param name="Days">How far back the preview looked.</param>
/// <param name="Errors">Why the topics cannot be previewed (the same messages the form would show).</param>
internal sealed record PreviewResponse(int Days, IReadOnlyList<TopicPreview> Topics, IReadOnlyList<string> Errors);

internal sealed record TopicPreview(string Topic, int Count, IReadOnlyList<string> Titles);

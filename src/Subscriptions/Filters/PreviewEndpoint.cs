using Dapper;
using Digest.Subscriptions.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
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

    // The form's script shows "not available right now" for any answer but 200.
    const string Busy = "The preview is busy; try again in a moment.";
    const string TooSlow = "This preview took too long to compute.";

    static async Task<Results<Ok<PreviewResponse>, ContentHttpResult>> PreviewAsync(
        string? topics, NpgsqlDataSource dataSource, TimeProvider clock, PreviewGate gate,
        IOptions<SubscriptionsOptions> options, CancellationToken cancellationToken)
    {
        var (parsed, errors) = TopicList.Parse(topics);
        if (errors.Count > 0 || parsed.Count == 0)
            return TypedResults.Ok(new PreviewResponse(Days, [], errors));

        using var slot = await gate.EnterAsync(cancellationToken);
        if (slot is null)
            return TypedResults.Text(Busy, "text/plain", statusCode: StatusCodes.Status503ServiceUnavailable);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // For this transaction only: the connection goes back to the pool without it.
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT set_config('statement_timeout', @Milliseconds, true)",
            new { Milliseconds = ((long)options.Value.PreviewTimeout.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture) },
            transaction, cancellationToken: cancellationToken));
        try
        {
            return TypedResults.Ok(await MatchAsync(connection, parsed, clock, cancellationToken));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.QueryCanceled && !cancellationToken.IsCancellationRequested)
        {
            return TypedResults.Text(TooSlow, "text/plain", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    static async Task<PreviewResponse> MatchAsync(NpgsqlConnection connection, IReadOnlyList<TopicFilter> parsed, TimeProvider clock, CancellationToken cancellationToken)
    {
        var problems = await TopicCheck.FindProblemsAsync(connection, parsed, cancellationToken);
        if (problems.Count > 0)
            return new PreviewResponse(Days, [], problems);

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
        return new PreviewResponse(Days, previews, []);
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

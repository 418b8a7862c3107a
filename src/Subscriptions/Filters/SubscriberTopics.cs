using Dapper;
using Npgsql;

namespace Digest.Subscriptions.Filters;

/// <summary>A subscriber's topics: stored once per distinct filter in topics, linked in subscriber_topics.</summary>
internal static class SubscriberTopics
{
    public static async Task ReplaceAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long subscriberId, IReadOnlyList<TopicFilter> topics,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        // A topic someone already follows is reused (and marked as chosen, so housekeeping keeps
        // it); a new one is added. Inserting in filter order makes concurrent sign-ups with the same
        // topics take their row locks in the same order, so they cannot deadlock.
        const string Sql = """
            DELETE FROM subscriber_topics WHERE subscriber_id = @SubscriberId;

            WITH wanted AS (
                SELECT * FROM unnest(@Queries::text[], @Authors::text[], @Categories::text[], @MinUpvotes::int[])
                    WITH ORDINALITY AS w(query, author, category, min_upvotes, position)),
            chosen AS (
                INSERT INTO topics (query, author, category, min_upvotes, created_at, last_chosen_at)
                SELECT query, author, category, min_upvotes, @Now, @Now FROM wanted
                ORDER BY query, author, category, min_upvotes
                ON CONFLICT ON CONSTRAINT topics_filter_key DO UPDATE SET last_chosen_at = EXCLUDED.last_chosen_at
                RETURNING id, query, author, category, min_upvotes)
            INSERT INTO subscriber_topics (subscriber_id, topic_id, position)
            SELECT @SubscriberId, c.id, w.position - 1
            FROM wanted w
            JOIN chosen c ON c.query = w.query AND c.author IS NOT DISTINCT FROM w.author
                         AND c.category IS NOT DISTINCT FROM w.category AND c.min_upvotes = w.min_upvotes;
            """;
        await connection.ExecuteAsync(new CommandDefinition(Sql, new
        {
            SubscriberId = subscriberId,
            Queries = topics.Select(t => t.Query).ToArray(),
            Authors = topics.Select(t => t.Author).ToArray(),
            Categories = topics.Select(t => t.Category).ToArray(),
            MinUpvotes = topics.Select(t => t.MinUpvotes).ToArray(),
            Now = now,
        }, transaction, cancellationToken: cancellationToken));
    }

    public static async Task<IReadOnlyList<TopicFilter>> ReadAsync(NpgsqlConnection connection, long subscriberId, CancellationToken cancellationToken)
    {
        const string Sql = """
            SELECT t.query AS Query, t.author AS Author, t.category AS Category, t.min_upvotes AS MinUpvotes
            FROM subscriber_topics st
            JOIN topics t ON t.id = st.topic_id
            WHERE st.subscriber_id = @subscriberId
            ORDER BY st.position
            """;
        var topics = await connection.QueryAsync<TopicFilter>(new CommandDefinition(Sql, new { subscriberId }, cancellationToken: cancellationToken));
        return topics.AsList();
    }
}

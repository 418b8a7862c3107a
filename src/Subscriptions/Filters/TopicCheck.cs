using Dapper;
using Npgsql;

namespace Digest.Subscriptions.Filters;

/// <summary>
/// Asks PostgreSQL whether each topic's words leave something to search for: a query of stop words
/// only ("the and of") reduces to nothing, and one of exclusions only ("-video") would match
/// almost everything. PostgreSQL decides, so the rule is exactly the one the matching uses.
/// </summary>
internal static class TopicCheck
{
    public static async Task<IReadOnlyList<string>> FindProblemsAsync(
        NpgsqlConnection connection, IReadOnlyList<TopicFilter> topics, CancellationToken cancellationToken)
    {
        // querytree() is 'T' when nothing in the query can be looked up in an index: no positive word.
        const string Sql = """
            SELECT t.position::int AS Position, numnode(q) = 0 AS Empty, querytree(q) = 'T' AS OnlyExclusions
            FROM unnest(@Queries::text[]) WITH ORDINALITY AS t(query, position),
                 websearch_to_tsquery('english', t.query) AS q
            ORDER BY t.position
            """;
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            Sql, new { Queries = topics.Select(t => t.Query).ToArray() }, cancellationToken: cancellationToken));
        // Named by their text, not a number: duplicates were dropped, so positions here are not line numbers.
        var problems = new List<string>();
        foreach (var row in rows)
        {
            var topic = topics[row.Position - 1];
            if (row.Empty)
                problems.Add($"The topic “{topic}” has only words the search ignores, like “the” and “of”; add a more specific word.");
            else if (row.OnlyExclusions)
                problems.Add($"The topic “{topic}” only excludes words; add a word to look for, like: diffusion -video.");
        }
        return problems;
    }

    sealed record Row(int Position, bool Empty, bool OnlyExclusions);
}

using System.Globalization;
using Dapper;
using Digest.Subscriptions.Filters;
using Npgsql;

namespace Digest.Subscriptions.Import;

/// <summary>
/// <c>digest subscribers export</c>: the CSV an import reads (so an export imports again to the same
/// state), one subscriber per line. Everyone an import can carry (active, paused, pending), or one
/// address whatever its status: the answer to a person asking for their data.
/// </summary>
public sealed class SubscriberExport(NpgsqlDataSource dataSource)
{
    /// <returns>How many subscribers were written.</returns>
    public async Task<int> WriteAsync(TextWriter output, string? email = null, CancellationToken cancellationToken = default)
    {
        const string Sql = """
            SELECT s.email AS Email, s.status AS Status, s.frequency AS Frequency, s.weekday AS Weekday,
                   s.delivery_hour AS DeliveryHour, s.time_zone AS TimeZone,
                   coalesce(array_agg(t.query ORDER BY st.position) FILTER (WHERE t.id IS NOT NULL), '{}') AS Queries,
                   coalesce(array_agg(t.author ORDER BY st.position) FILTER (WHERE t.id IS NOT NULL), '{}') AS Authors,
                   coalesce(array_agg(t.category ORDER BY st.position) FILTER (WHERE t.id IS NOT NULL), '{}') AS Categories,
                   coalesce(array_agg(t.min_upvotes ORDER BY st.position) FILTER (WHERE t.id IS NOT NULL), '{}') AS MinUpvotes
            FROM subscribers s
            LEFT JOIN subscriber_topics st ON st.subscriber_id = s.id
            LEFT JOIN topics t ON t.id = st.topic_id
            WHERE CASE WHEN @email::text IS NULL THEN s.status IN ('active', 'paused', 'pending')
                       ELSE lower(s.email) = lower(@email) END
            GROUP BY s.id
            ORDER BY s.id
            """;
        await output.WriteLineAsync(string.Join(',', ImportColumns.All));
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<Row>(new CommandDefinition(Sql, new { email }, cancellationToken: cancellationToken))).AsList();
        foreach (var row in rows)
        {
            var topics = row.Queries.Select((q, i) => new TopicFilter(q, row.Authors[i], row.Categories[i], row.MinUpvotes[i]).ToString());
            string[] fields =
            [
                row.Email,
                string.Join(ImportColumns.TopicSeparator, topics),
                row.Frequency,
                row.DeliveryHour.ToString(CultureInfo.InvariantCulture),
                row.TimeZone,
                row.Weekday is { } day ? ((DayOfWeek)day).ToString() : "",
                row.Status,
            ];
            await output.WriteLineAsync(string.Join(',', fields.Select(CsvRecords.Quote)));
        }
        return rows.Count;
    }

    // Properties, not a positional record: Dapper matches constructors by column type, and arrays
    // report theirs as System.Array.
    sealed class Row
    {
        public string Email { get; init; } = "";
        public string Status { get; init; } = "";
        public string Frequency { get; init; } = "";
        public short? Weekday { get; init; }
        public short DeliveryHour { get; init; }
        public string TimeZone { get; init; } = "";
        public string[] Queries { get; init; } = [];
        public string?[] Authors { get; init; } = [];
        public string?[] Categories { get; init; } = [];
        public int[] MinUpvotes { get; init; } = [];
    }
}

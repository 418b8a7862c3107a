using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace Digest.Digests;

/// <summary>
/// Writes the planner's issues one chunk of due subscribers at a time, on the planner's connection
/// (plan_due, plan_issues are its session's tables): reads the chunk's topic lists in one ordered
/// query, ranks each subscriber in this process, copies the issues in binary into plan_issues and
/// moves them into digest_issues in one statement that skips any a racing planner already wrote.
/// </summary>
internal sealed class IssueWriter(NpgsqlConnection connection, PlanHits hits, int maxPapers, DateTimeOffset windowEnd, DateTimeOffset now)
{
    readonly List<DueSubscriber> _due = [];
    readonly List<long> _topics = [];
    readonly ArrayBufferWriter<byte> _json = new(4096);

    /// <returns>How many issues with papers and how many empty ones this chunk added.</returns>
    public async Task<(int Queued, int Empty)> WriteAsync(long from, long to, CancellationToken cancellationToken)
    {
        await ReadChunkAsync(from, to, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("TRUNCATE plan_issues", cancellationToken: cancellationToken));
        await using (var import = await connection.BeginBinaryImportAsync(
            "COPY plan_issues (subscriber_id, period, window_start, papers, paper_count) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            await using var json = new Utf8JsonWriter(_json);
            foreach (var subscriber in _due)
            {
                _json.ResetWrittenCount();
                json.Reset(_json);
                var count = hits.Rank(CollectionsMarshal.AsSpan(_topics).Slice(subscriber.FirstTopic, subscriber.TopicCount),
                    subscriber.WindowStart, maxPapers, json);
                json.Flush();
                await import.StartRowAsync(cancellationToken);
                await import.WriteAsync(subscriber.Id, NpgsqlDbType.Bigint, cancellationToken);
                await import.WriteAsync(subscriber.Period, NpgsqlDbType.Date, cancellationToken);
                await import.WriteAsync(subscriber.WindowStart, NpgsqlDbType.TimestampTz, cancellationToken);
                await import.WriteAsync(Encoding.UTF8.GetString(_json.WrittenSpan), NpgsqlDbType.Jsonb, cancellationToken);
                await import.WriteAsync(count, NpgsqlDbType.Integer, cancellationToken);
            }
            await import.CompleteAsync(cancellationToken);
        }

        // ON CONFLICT: a planner that raced this one already wrote it.
        const string MoveSql = """
            WITH written AS (
                INSERT INTO digest_issues (subscriber_id, period, window_start, window_end, papers, state, due_at, planned_at)
                SELECT subscriber_id, period, least(window_start, @WindowEnd), @WindowEnd, papers,
                       CASE WHEN paper_count = 0 THEN 'empty' ELSE 'queued' END, @Now, @Now
                FROM plan_issues
                ON CONFLICT (subscriber_id, period) DO NOTHING
                RETURNING state)
            SELECT count(*) FILTER (WHERE state = 'queued')::int AS Queued, count(*) FILTER (WHERE state = 'empty')::int AS Empty
            FROM written
            """;
        return await connection.QuerySingleAsync<(int Queued, int Empty)>(new CommandDefinition(MoveSql, new
        {
            WindowEnd = windowEnd,
            Now = now,
        }, cancellationToken: cancellationToken));
    }

    /// <summary>Subscribers from..to of plan_due with their topics in the order they wrote them (none: an empty issue).</summary>
    async Task ReadChunkAsync(long from, long to, CancellationToken cancellationToken)
    {
        const string Sql = """
            SELECT d.subscriber_id, d.period, d.window_start, st.topic_id
            FROM plan_due d
            LEFT JOIN subscriber_topics st USING (subscriber_id)
            WHERE d.n BETWEEN @From AND @To
            ORDER BY d.n, st.position
            """;
        _due.Clear();
        _topics.Clear();
        await using var command = new NpgsqlCommand(Sql, connection);
        command.Parameters.AddWithValue("From", from);
        command.Parameters.AddWithValue("To", to);
        await using var rows = await command.ExecuteReaderAsync(cancellationToken);
        while (await rows.ReadAsync(cancellationToken))
        {
            var id = rows.GetInt64(0);
            if (_due.Count == 0 || _due[^1].Id != id)
                _due.Add(new DueSubscriber(id, rows.GetFieldValue<DateOnly>(1), rows.GetDateTime(2), _topics.Count, 0));
            if (!rows.IsDBNull(3))
            {
                _topics.Add(rows.GetInt64(3));
                _due[^1] = _due[^1] with { TopicCount = _due[^1].TopicCount + 1 };
            }
        }
    }

    /// <param name="FirstTopic">Where their topics start in the chunk's topic list.</param>
    readonly record struct DueSubscriber(long Id, DateOnly Period, DateTime WindowStart, int FirstTopic, int TopicCount);
}

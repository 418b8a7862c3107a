using System.Runtime.InteropServices;
using Digest.Subscriptions.Delivery;
using Npgsql;
using NpgsqlTypes;

namespace Digest.Digests;

/// <summary>
/// Writes the planner's issues one chunk of due subscribers at a time, on the planner's connection
/// (plan_due is its session's table): reads the chunk's topic lists in one ordered query, ranks
/// each subscriber in this process and copies the issues in binary into digest_issues.
/// </summary>
internal sealed class IssueWriter(NpgsqlConnection connection, PlanHits hits, int maxPapers, DateTimeOffset windowEnd, DateTimeOffset now)
{
    /// <summary>An issue with nothing in it: a record that the period was planned, never a mail (migration 0030).</summary>
    const string Empty = "empty";

    static readonly string Queued = QueueState.Queued.Name();

    readonly List<DueSubscriber> _due = [];
    readonly List<long> _topics = [];
    readonly List<string> _paperIds = [];
    readonly List<string> _paperTopics = [];

    /// <returns>How many issues with papers and how many empty ones this chunk added.</returns>
    public async Task<(int Queued, int Empty)> WriteAsync(long from, long to, CancellationToken cancellationToken)
    {
        await ReadChunkAsync(from, to, cancellationToken);
        var queued = 0;
        // Straight into digest_issues, in one statement (the chunk commits or not as a whole). No
        // planner can have written any of these issues: planners take turns (the plan lock) and
        // plan_due, read under the lock, holds only subscribers without an issue for the period.
        // (Staging the chunk in a temporary table for INSERT … ON CONFLICT DO NOTHING cost
        // PostgreSQL every issue's ~1 KB twice more: written to the staging table, read back.)
        await using (var import = await connection.BeginBinaryImportAsync(
            "COPY digest_issues (subscriber_id, period, window_start, window_end, paper_ids, paper_topics, state, due_at, planned_at) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var subscriber in _due)
            {
                _paperIds.Clear();
                _paperTopics.Clear();
                var count = hits.Rank(CollectionsMarshal.AsSpan(_topics).Slice(subscriber.FirstTopic, subscriber.TopicCount),
                    subscriber.WindowStart, maxPapers, _paperIds, _paperTopics);
                if (count > 0)
                    queued++;
                // A window never ends before it starts (a subscriber whose previous issue ended later).
                var windowStart = subscriber.WindowStart < windowEnd.UtcDateTime ? subscriber.WindowStart : windowEnd.UtcDateTime;
                await import.StartRowAsync(cancellationToken);
                await import.WriteAsync(subscriber.Id, NpgsqlDbType.Bigint, cancellationToken);
                await import.WriteAsync(subscriber.Period, NpgsqlDbType.Date, cancellationToken);
                await import.WriteAsync(windowStart, NpgsqlDbType.TimestampTz, cancellationToken);
                await import.WriteAsync(windowEnd, NpgsqlDbType.TimestampTz, cancellationToken);
                await import.WriteAsync(_paperIds, NpgsqlDbType.Array | NpgsqlDbType.Text, cancellationToken);
                await import.WriteAsync(_paperTopics, NpgsqlDbType.Array | NpgsqlDbType.Text, cancellationToken);
                await import.WriteAsync(count == 0 ? Empty : Queued, NpgsqlDbType.Text, cancellationToken);
                await import.WriteAsync(now, NpgsqlDbType.TimestampTz, cancellationToken);
                await import.WriteAsync(now, NpgsqlDbType.TimestampTz, cancellationToken);
            }
            await import.CompleteAsync(cancellationToken);
        }
        return (queued, _due.Count - queued);
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

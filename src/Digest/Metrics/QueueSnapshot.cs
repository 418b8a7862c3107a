using Dapper;
using Npgsql;

namespace Digest.Metrics;

/// <summary>
/// The database's side of the gauges, read in one round trip and kept for <see cref="MaxAge"/>, so
/// that a scrape every second (or a load test on /metrics) costs the database one query per few
/// seconds. Gauge callbacks are synchronous, hence the synchronous read, with its own time limit.
/// A failed read keeps the last snapshot: the scrape still answers, the gauges just stand still.
/// </summary>
public sealed class QueueSnapshot(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<QueueSnapshot> logger)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);
    static readonly TimeSpan ReadLimit = TimeSpan.FromSeconds(3);

    readonly Lock _refreshing = new();
    Snapshot _current = Snapshot.Empty;
    DateTimeOffset _readAt = DateTimeOffset.MinValue;

    public sealed record SubscriberCount(string Status, long Count);

    public sealed record FeedWalk(string Source, double UnixSeconds);

    public sealed record Snapshot(int DueIssues, TimeSpan OldestDueAge, int OutboxQueued, IReadOnlyList<SubscriberCount> Subscribers, IReadOnlyList<FeedWalk> LastWalks)
    {
        public static Snapshot Empty { get; } = new(0, TimeSpan.Zero, 0, [], []);
    }

    public Snapshot Current()
    {
        lock (_refreshing)
        {
            if (clock.GetUtcNow() - _readAt < MaxAge)
                return _current;
            try
            {
                _current = Read();
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException or InvalidOperationException)
            {
                logger.LogWarning("Metrics: the queue gauges could not be read from the database ({Error}); showing the last values", e.Message);
            }
            // Also after a failure: a database that is down is asked again in a few seconds, not on every scrape.
            _readAt = clock.GetUtcNow();
            return _current;
        }
    }

    Snapshot Read()
    {
        const string Sql = """
            SELECT count(*)::int AS due_issues,
                   coalesce(extract(epoch FROM now() - min(due_at)), 0)::float8 AS oldest_due_seconds,
                   (SELECT count(*)::int FROM outbox WHERE state = 'queued') AS outbox_queued
            FROM digest_issues WHERE state = 'queued' AND due_at <= now();
            SELECT status, count(*) AS count FROM subscribers GROUP BY status ORDER BY status;
            SELECT source, extract(epoch FROM max(walked_at))::float8 AS unix_seconds FROM paper_feed_days GROUP BY source ORDER BY source;
            """;
        using var timeLimit = new CancellationTokenSource(ReadLimit);
        using var connection = dataSource.OpenConnection();
        using var results = connection.QueryMultiple(new CommandDefinition(Sql, commandTimeout: (int)ReadLimit.TotalSeconds, cancellationToken: timeLimit.Token));
        var queue = results.ReadSingle<(int DueIssues, double OldestDueSeconds, int OutboxQueued)>();
        var subscribers = results.Read<SubscriberCount>().ToList();
        var walks = results.Read<FeedWalk>().ToList();
        return new Snapshot(queue.DueIssues, TimeSpan.FromSeconds(queue.OldestDueSeconds), queue.OutboxQueued, subscribers, walks);
    }
}

using System.Diagnostics;
using Dapper;
using Digest.Metrics;
using Digest.Papers;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Digest.Digests;

/// <summary>
/// Creates the digest issues that are due: for every active subscriber whose local delivery time
/// of the current period has passed and who has no issue for that period, one issue listing the
/// papers first seen since their previous issue that match any of their topics, ranked by upvotes
/// then text rank, capped. Each distinct topic is matched against the window's papers once per run
/// in PostgreSQL however many subscribers share it; the matches are loaded once (<see cref="PlanHits"/>),
/// the due subscribers' topic lists read a chunk at a time, ranked here and written back with COPY
/// (<see cref="IssueWriter"/>): only one chunk of subscribers is in this process at a time. Safe to run anywhere at any time: planners (and previews) take turns, each
/// chunk commits whole, and a run plans only subscribers without an issue for the period, so a
/// second run, a second instance or a run after a crash adds only what is missing (a period's
/// issue is unique besides).
/// </summary>
public sealed class DigestPlanner(NpgsqlDataSource dataSource, IssueReader reader, TimeProvider clock, IOptionsMonitor<DigestsOptions> options, DigestMetrics metrics)
{
    // Planners take turns (the job on several instances, the CLI): the windows they read must not
    // change under them. Any fixed key; "Digest" + 3.
    internal const long PlanLock = 0x44_69_67_65_73_74_03;

    public async Task<PlanReport> PlanAsync(IProgress<PlanReport>? progress = null, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, "SELECT pg_advisory_lock(@PlanLock)", new { PlanLock }, cancellationToken);
        try
        {
            var windowEnd = await WindowEndAsync(connection, now, cancellationToken);
            var report = await PlanDueAsync(connection, now, windowEnd, null, progress, cancellationToken);
            metrics.Planned(report);
            return report;
        }
        finally
        {
            // The connection goes back to the pool: leave nothing of this run on it. (A connection
            // that broke, say PostgreSQL restarted, took its tables and lock with it.)
            if (connection.FullState == System.Data.ConnectionState.Open)
                await ExecuteAsync(connection, "DROP TABLE IF EXISTS plan_due, plan_hits; SELECT pg_advisory_unlock(@PlanLock)", new { PlanLock }, CancellationToken.None);
        }
    }

    /// <summary>
    /// What the subscriber's next issue would hold if it were planned now, whatever their delivery
    /// time: the planner's own statements in a transaction that is rolled back.
    /// </summary>
    /// <returns>Null when no subscriber has this address; an issue without papers when nothing new matches.</returns>
    public async Task<DigestContent?> PreviewAsync(string email, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // A planner too: it takes its turn, so that no plan run writes this subscriber's issue
        // between the preview's reading and its writing (the writer copies without a conflict clause).
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@PlanLock)", new { PlanLock }, transaction, cancellationToken: cancellationToken));
        var subscriberId = await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
            "SELECT id FROM subscribers WHERE lower(email) = lower(@email)", new { email = email.Trim() }, transaction, cancellationToken: cancellationToken));
        if (subscriberId is not { } id)
            return null;
        await PlanDueAsync(connection, now, now, id, null, cancellationToken);
        var issueId = await connection.QuerySingleAsync<long>(new CommandDefinition(
            "SELECT max(id) FROM digest_issues WHERE subscriber_id = @id", new { id }, transaction, cancellationToken: cancellationToken));
        var content = (await reader.ReadManyAsync(connection, [issueId], cancellationToken))[issueId];
        await transaction.RollbackAsync(cancellationToken);
        return content;
    }

    async Task<PlanReport> PlanDueAsync(NpgsqlConnection connection, DateTimeOffset now, DateTimeOffset windowEnd, long? only,
        IProgress<PlanReport>? progress, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        var settings = options.CurrentValue;
        await ExecuteAsync(connection, DueSql, new { Now = now, Only = only }, cancellationToken);
        var due = await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT count(*)::int FROM plan_due", cancellationToken: cancellationToken));
        var report = new PlanReport(due, 0, 0, 0, 0, TimeSpan.Zero) { Finding = started.Elapsed };
        if (due > 0)
        {
            await ExecuteAsync(connection, "ANALYZE plan_due", null, cancellationToken);
            await ExecuteAsync(connection, HitsSql, new { WindowEnd = windowEnd }, cancellationToken);
            var (topics, hits) = await connection.QuerySingleAsync<(int, int)>(new CommandDefinition(CountsSql, cancellationToken: cancellationToken));
            await ExecuteAsync(connection, "ANALYZE plan_hits", null, cancellationToken);
            report = report with { Topics = topics, TopicHits = hits, Matching = started.Elapsed - report.Finding };
            var hitsTable = await PlanHits.LoadAsync(connection, cancellationToken);
            var writer = new IssueWriter(connection, hitsTable, settings.MaxPapers, windowEnd, now);
            for (var from = 1L; from <= due; from += settings.PlanChunk)
            {
                var written = await writer.WriteAsync(from, from + settings.PlanChunk - 1, cancellationToken);
                report = report with { Queued = report.Queued + written.Queued, Empty = report.Empty + written.Empty };
                progress?.Report(report with { Elapsed = started.Elapsed });
            }
        }
        return report with { Elapsed = started.Elapsed };
    }

    /// <summary>
    /// Where this run's window ends: now, or the database's clock if that is earlier, read while
    /// holding the ingest's write lock. An ingest stamps first_seen_at with the database's clock
    /// under the same lock, so every paper stamped up to this moment is committed and visible, and
    /// every later one is stamped after it and falls into the next window.
    /// </summary>
    static async Task<DateTimeOffset> WindowEndAsync(NpgsqlConnection connection, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@Lock)", new { Lock = PaperStore.WriteLock }, transaction, cancellationToken: cancellationToken));
        var end = await connection.QuerySingleAsync<DateTime>(new CommandDefinition("SELECT least(@Now, clock_timestamp())", new { Now = now }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return new DateTimeOffset(DateTime.SpecifyKind(end, DateTimeKind.Utc));
    }

    static Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, object? parameters, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));

    // Each active subscriber's current period: the latest local delivery moment (hour, and weekday
    // for weekly) at or before now in their zone. Due when that moment is not before they confirmed
    // (a new subscriber waits for their first delivery time) and their latest issue is for an
    // earlier period. A zone PostgreSQL does not know counts as UTC rather than failing the run.
    // The first window reaches back one period from the delivery moment. With @Only, that one
    // subscriber is taken whatever their status and time (the preview).
    const string DueSql = """
        DROP TABLE IF EXISTS plan_due, plan_hits;
        CREATE TEMP TABLE plan_due AS
        WITH zones AS MATERIALIZED (
            -- Each zone in use once: its local time now, and UTC for a name PostgreSQL does not know.
            SELECT u.time_zone, coalesce(k.name, 'UTC') AS zone, @Now::timestamptz AT TIME ZONE coalesce(k.name, 'UTC') AS local_now
            FROM (SELECT DISTINCT time_zone FROM subscribers) u
            LEFT JOIN (SELECT name FROM pg_timezone_names) k ON k.name = u.time_zone)
        SELECT row_number() OVER (ORDER BY s.id) AS n, s.id AS subscriber_id,
               -- A preview (@Only) is of the issue after the latest one, whatever the time.
               CASE WHEN @Only::bigint IS NULL THEN p.period
                    ELSE greatest(p.period, latest.period + CASE WHEN s.frequency = 'weekly' THEN 7 ELSE 1 END) END AS period,
               coalesce(latest.window_end, d.deliver_at - CASE WHEN s.frequency = 'weekly' THEN interval '7 days' ELSE interval '1 day' END) AS window_start
        FROM subscribers s
        JOIN zones z ON z.time_zone = s.time_zone
        CROSS JOIN LATERAL (SELECT z.local_now) l
        CROSS JOIN LATERAL (
            SELECT CASE WHEN s.frequency = 'weekly'
                        THEN l.local_now::date - ((extract(dow FROM l.local_now)::int - s.weekday + 7) % 7)
                        ELSE l.local_now::date END AS day) c
        CROSS JOIN LATERAL (
            SELECT CASE WHEN l.local_now < c.day + make_interval(hours => s.delivery_hour)
                        THEN c.day - CASE WHEN s.frequency = 'weekly' THEN 7 ELSE 1 END
                        ELSE c.day END AS period) p
        CROSS JOIN LATERAL (SELECT (p.period + make_interval(hours => s.delivery_hour)) AT TIME ZONE z.zone AS deliver_at) d
        LEFT JOIN LATERAL (
            SELECT i.period, i.window_end FROM digest_issues i
            WHERE i.subscriber_id = s.id ORDER BY i.period DESC LIMIT 1) latest ON true
        WHERE CASE WHEN @Only::bigint IS NULL
                   THEN s.status = 'active'
                        AND d.deliver_at >= coalesce(s.confirmed_at, s.created_at)
                        AND (latest.period IS NULL OR latest.period < p.period)
                   ELSE s.id = @Only END;
        CREATE INDEX ON plan_due (n);
        """;

    // Every distinct topic of the due subscribers against the papers of the widest window, once.
    // The label is the topic as its subscribers typed it (TopicFilter's form).
    const string HitsSql = """
        CREATE TEMP TABLE plan_hits AS
        WITH due_topics AS (
            SELECT DISTINCT st.topic_id FROM subscriber_topics st JOIN plan_due d USING (subscriber_id)),
        window_papers AS MATERIALIZED (
            SELECT p FROM papers p
            WHERE p.first_seen_at > (SELECT min(window_start) FROM plan_due) AND p.first_seen_at <= @WindowEnd)
        SELECT t.id AS topic_id, (w.p).id AS paper_id, (w.p).first_seen_at, (w.p).upvotes,
               ts_rank((w.p).search, t.search_query) AS rank,
               t.query
                 || coalesce(CASE WHEN strpos(t.author, ' ') > 0 THEN ' author:"' || t.author || '"' ELSE ' author:' || t.author END, '')
                 || coalesce(' category:' || t.category, '')
                 || CASE WHEN t.min_upvotes > 0 THEN ' upvotes:' || t.min_upvotes ELSE '' END AS label
        FROM due_topics dt
        JOIN topics t ON t.id = dt.topic_id
        JOIN window_papers w ON paper_matches_topic(w.p, t.search_query, t.author, t.category, t.min_upvotes);
        """;

    const string CountsSql = """
        SELECT (SELECT count(DISTINCT st.topic_id)::int FROM subscriber_topics st JOIN plan_due d USING (subscriber_id)),
               (SELECT count(*)::int FROM plan_hits)
        """;
}

/// <summary>What a plan run did: due subscribers, distinct topics matched, (topic, paper) hits, issues to send, issues with nothing in them.</summary>
public sealed record PlanReport(int Due, int Topics, int TopicHits, int Queued, int Empty, TimeSpan Elapsed)
{
    /// <summary>Time spent finding the due subscribers.</summary>
    public TimeSpan Finding { get; init; }

    /// <summary>Time spent matching the distinct topics against the window's papers.</summary>
    public TimeSpan Matching { get; init; }
}

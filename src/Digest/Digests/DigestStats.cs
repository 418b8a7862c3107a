using Dapper;
using Npgsql;

namespace Digest.Digests;

/// <summary>A day's digest figures (the <c>stats</c> verb): issues planned that UTC day by what became of them.</summary>
public sealed class DigestStats(NpgsqlDataSource dataSource)
{
    public async Task<DayStats> ForDayAsync(DateOnly day, CancellationToken cancellationToken = default)
    {
        const string Sql = """
            SELECT count(*) FILTER (WHERE state <> 'empty')::int AS Planned,
                   count(*) FILTER (WHERE state = 'empty')::int AS Empty,
                   count(*) FILTER (WHERE state = 'sent')::int AS Sent,
                   count(*) FILTER (WHERE state = 'queued' AND attempts = 0)::int AS Waiting,
                   count(*) FILTER (WHERE state = 'queued' AND last_outcome = 'Deferred' AND fault IS DISTINCT FROM 'sender')::int AS Deferred,
                   count(*) FILTER (WHERE state = 'queued' AND fault = 'sender')::int AS Held,
                   count(*) FILTER (WHERE state IN ('failed', 'expired'))::int AS Failed,
                   count(*) FILTER (WHERE state = 'unknown' OR (state = 'queued' AND unknown_resent))::int AS Unknown,
                   count(*) FILTER (WHERE state = 'cancelled')::int AS Cancelled,
                   (SELECT count(*)::int FROM subscribers
                    WHERE status = 'suppressed' AND suppressed_at >= @Start AND suppressed_at < @End) AS Suppressed,
                   -- What the relay said when it last refused the sender: the first thing to read when mail is held.
                   (SELECT detail FROM digest_issues WHERE state = 'queued' AND fault = 'sender' ORDER BY due_at DESC LIMIT 1) AS HeldBecause,
                   (SELECT count(*)::int FROM bounce_reports
                    WHERE outcome IN ('hard-bounce', 'soft-bounce') AND received_at >= @Start AND received_at < @End) AS Bounces,
                   (SELECT count(*)::int FROM bounce_reports
                    WHERE outcome = 'complaint' AND received_at >= @Start AND received_at < @End) AS Complaints,
                   (SELECT count(*)::int FROM bounce_reports
                    WHERE outcome = 'unparsed' AND received_at >= @Start AND received_at < @End) AS Unparsed
            FROM digest_issues
            WHERE planned_at >= @Start AND planned_at < @End
            """;
        var start = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleAsync<DayStats>(new CommandDefinition(Sql, new { Start = start, End = start.AddDays(1) }, cancellationToken: cancellationToken));
    }
}

/// <summary>
/// Planned: issues with papers. Empty: nothing matched (no mail). Waiting: not tried yet. Deferred:
/// waiting for a retry after a 4xx. Failed: 5xx, not sendable, or given up. Unknown: lost after the
/// final dot (resent once). Cancelled: the subscriber left first. Suppressed: addresses suppressed that day.
/// Held: kept queued because a relay refuses the sender or its setup (<see cref="HeldBecause"/> says how).
/// Bounces, Complaints, Unparsed: reports read from the bounce mailbox that day (whatever day the mail went out).
/// </summary>
public sealed record DayStats(int Planned, int Empty, int Sent, int Waiting, int Deferred, int Held, int Failed, int Unknown, int Cancelled, int Suppressed, string? HeldBecause,
    int Bounces, int Complaints, int Unparsed);

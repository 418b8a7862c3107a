using Dapper;
using Digest.Digests;
using Npgsql;

namespace Digest.Admin;

/// <summary>
/// /admin: subscribers by status, today's run (planned, sent, waiting, failed, the oldest waiting
/// issue), each source's last ingest, and the new papers of the last two weeks.
/// </summary>
internal static class OverviewPage
{
    public static async Task<IResult> Show(
        HttpContext http, ConsolePages pages, NpgsqlDataSource dataSource, DigestStats stats, TimeProvider clock, CancellationToken cancellationToken)
    {
        const string Sql = """
            SELECT status AS Name, count(*) AS Count FROM subscribers GROUP BY status ORDER BY count(*) DESC, status;

            SELECT min(due_at) FROM digest_issues WHERE state = 'queued';

            SELECT source AS Source, finished_at AS FinishedAt, fetched AS Fetched, new AS New, updated AS Updated,
                   rejected AS Rejected, errors AS Errors, first_error AS FirstError, last_success_at AS LastSuccessAt
            FROM paper_ingest_runs ORDER BY source;

            SELECT (first_seen_at AT TIME ZONE 'UTC')::date AS Day, count(*) AS Count
            FROM papers WHERE first_seen_at >= @since
            GROUP BY 1 ORDER BY 1 DESC;
            """;
        var now = clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var run = await stats.ForDayAsync(today, cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            Sql, new { since = now.AddDays(-14) }, cancellationToken: cancellationToken));
        var statuses = (await results.ReadAsync<StatusCount>()).ToList();
        var oldest = await results.ReadSingleOrDefaultAsync<DateTime?>();
        var ingests = (await results.ReadAsync<IngestRow>()).ToList();
        var days = (await results.ReadAsync<DayCount>()).ToList();

        var waitingFor = oldest is { } since && since < now.UtcDateTime ? now.UtcDateTime - since : (TimeSpan?)null;
        return pages.Render(http, "overview", "Overview", AdminPaths.Overview, new
        {
            Subscribers = statuses.Select(s => new { s.Name, Count = ConsolePages.Number(s.Count) }),
            SubscriberTotal = ConsolePages.Number(statuses.Sum(s => s.Count)),
            Today = today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            Run = new[]
            {
                new { Name = "planned", Count = ConsolePages.Number(run.Planned) },
                new { Name = "sent", Count = ConsolePages.Number(run.Sent) },
                new { Name = "waiting", Count = ConsolePages.Number(run.Waiting) },
                new { Name = "deferred (will retry)", Count = ConsolePages.Number(run.Deferred) },
                new { Name = "held (the relay refuses the sender)", Count = ConsolePages.Number(run.Held) },
                new { Name = "failed", Count = ConsolePages.Number(run.Failed) },
                new { Name = "unknown", Count = ConsolePages.Number(run.Unknown) },
                new { Name = "cancelled", Count = ConsolePages.Number(run.Cancelled) },
                new { Name = "nothing new (no mail)", Count = ConsolePages.Number(run.Empty) },
            },
            run.HeldBecause,
            OldestWaiting = oldest is null ? null : ConsolePages.Time(oldest),
            OldestWaitingFor = waitingFor is { } wait ? Describe(wait) : null,
            Ingests = ingests.Select(i => new
            {
                i.Source,
                FinishedAt = ConsolePages.Time(i.FinishedAt),
                Fetched = ConsolePages.Number(i.Fetched),
                New = ConsolePages.Number(i.New),
                Updated = ConsolePages.Number(i.Updated),
                Rejected = ConsolePages.Number(i.Rejected),
                i.Errors,
                Failed = i.Errors > 0,
                i.FirstError,
                LastSuccessAt = i.LastSuccessAt is null ? "never" : ConsolePages.Time(i.LastSuccessAt),
            }),
            Days = days.Select(d => new { Day = d.Day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), Count = ConsolePages.Number(d.Count) }),
        });
    }

    static string Describe(TimeSpan wait) =>
        wait.TotalMinutes < 1 ? "under a minute" : wait.TotalHours < 1 ? $"{(int)wait.TotalMinutes} min" : $"{(int)wait.TotalHours} h {wait.Minutes} min";

    sealed record StatusCount(string Name, long Count);

    sealed record DayCount(DateOnly Day, long Count);

    sealed record IngestRow(string Source, DateTime FinishedAt, int Fetched, int New, int Updated, int Rejected, int Errors, string? FirstError, DateTime? LastSuccessAt);
}

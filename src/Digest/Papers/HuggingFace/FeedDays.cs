using Dapper;
using Npgsql;

namespace Digest.Papers.HuggingFace;

/// <summary>The days a day-by-day feed has been walked completely (<c>paper_feed_days</c>).</summary>
public sealed class FeedDays(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// The days of the window still to walk: all of them when the window was given explicitly,
    /// otherwise those not yet walked completely at least <paramref name="settlesAfter"/> after they
    /// ended (so today always, and yesterday until late additions have had time to land).
    /// </summary>
    public async Task<IReadOnlyList<DateOnly>> ToWalkAsync(string source, IngestWindow window, TimeSpan settlesAfter, CancellationToken cancellationToken)
    {
        if (window.Explicit)
            return window.Days().ToList();
        const string Sql = """
            SELECT day FROM paper_feed_days
            WHERE source = @Source AND day BETWEEN @From AND @To
              AND walked_at >= ((day + 1)::timestamp AT TIME ZONE 'UTC') + @SettlesAfter
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var settled = (await connection.QueryAsync<DateTime>(new CommandDefinition(Sql,
                new { Source = source, From = window.From.ToDateTime(TimeOnly.MinValue), To = window.To.ToDateTime(TimeOnly.MinValue), SettlesAfter = settlesAfter },
                cancellationToken: cancellationToken)))
            .Select(DateOnly.FromDateTime)
            .ToHashSet();
        return window.Days().Where(day => !settled.Contains(day)).ToList();
    }

    public async Task MarkWalkedAsync(string source, DateOnly day, int papers, DateTimeOffset walkedAt, CancellationToken cancellationToken)
    {
        const string Sql = """
            INSERT INTO paper_feed_days (source, day, walked_at, papers) VALUES (@Source, @Day, @WalkedAt, @Papers)
            ON CONFLICT (source, day) DO UPDATE SET walked_at = excluded.walked_at, papers = excluded.papers
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(Sql,
            new { Source = source, Day = day.ToDateTime(TimeOnly.MinValue), WalkedAt = walkedAt, Papers = papers },
            cancellationToken: cancellationToken));
    }
}

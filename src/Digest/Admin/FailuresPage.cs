using Dapper;
using Npgsql;

namespace Digest.Admin;

/// <summary>
/// /admin/failures: the last 100 digests and transactional mails that failed, were deferred or have an
/// unknown outcome, each with whose fault it was (recipient, sender, message, transient) and the
/// relay's reply — the first thing anyone debugging mail asks for.
/// </summary>
internal static class FailuresPage
{
    public static async Task<IResult> Show(HttpContext http, ConsolePages pages, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        const string Sql = """
            (SELECT coalesce(i.finished_at, i.due_at) AS At, 'digest' AS Kind, s.email AS Email, i.state AS State,
                    i.fault AS Fault, i.attempts AS Attempts, i.detail AS Detail
             FROM digest_issues i JOIN subscribers s ON s.id = i.subscriber_id
             WHERE i.state IN ('failed', 'unknown', 'expired') OR (i.state = 'queued' AND i.attempts > 0)
             ORDER BY coalesce(i.finished_at, i.due_at) DESC LIMIT 100)
            UNION ALL
            (SELECT coalesce(o.finished_at, o.due_at), o.kind, s.email, o.state, o.fault, o.attempts, o.detail
             FROM outbox o LEFT JOIN subscribers s ON s.id = o.subscriber_id
             WHERE o.state IN ('failed', 'unknown', 'expired') OR (o.state = 'queued' AND o.attempts > 0)
             ORDER BY coalesce(o.finished_at, o.due_at) DESC LIMIT 100)
            ORDER BY At DESC LIMIT 100
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<Row>(new CommandDefinition(Sql, cancellationToken: cancellationToken))).ToList();
        return pages.Render(http, "failures", "Recent failures", AdminPaths.Failures, new
        {
            Failures = rows.Select(r => new
            {
                At = ConsolePages.Time(r.At),
                r.Kind,
                Email = r.Email ?? "(deleted)",
                State = r.State == "queued" ? "retrying" : r.State,
                Fault = r.Fault ?? "",
                r.Attempts,
                Detail = r.Detail ?? "",
            }),
        });
    }

    sealed record Row(DateTime At, string Kind, string? Email, string State, string? Fault, int Attempts, string? Detail);
}

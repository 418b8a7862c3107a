using Dapper;
using Npgsql;

namespace Digest.Papers;

/// <summary>Keeps each source's last run (paper_ingest_runs) for the operator console.</summary>
public sealed class IngestLog(NpgsqlDataSource dataSource)
{
    public async Task RecordAsync(IReadOnlyList<SourceReport> reports, DateTimeOffset finishedAt, CancellationToken cancellationToken = default)
    {
        const string Sql = """
            INSERT INTO paper_ingest_runs (source, finished_at, fetched, new, updated, rejected, errors, first_error, last_success_at)
            SELECT r.*, CASE WHEN r.errors = 0 THEN r.finished_at END
            FROM unnest(@Sources::text[], @FinishedAt::timestamptz[], @Fetched::int[], @New::int[], @Updated::int[], @Rejected::int[], @Errors::int[], @FirstErrors::text[])
                AS r(source, finished_at, fetched, new, updated, rejected, errors, first_error)
            ON CONFLICT (source) DO UPDATE SET
                finished_at = EXCLUDED.finished_at, fetched = EXCLUDED.fetched, new = EXCLUDED.new, updated = EXCLUDED.updated,
                rejected = EXCLUDED.rejected, errors = EXCLUDED.errors, first_error = EXCLUDED.first_error,
                last_success_at = coalesce(EXCLUDED.last_success_at, paper_ingest_runs.last_success_at)
            """;
        if (reports.Count == 0)
            return;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(Sql, new
        {
            Sources = reports.Select(r => r.Source).ToArray(),
            FinishedAt = reports.Select(_ => finishedAt).ToArray(),
            Fetched = reports.Select(r => r.Fetched).ToArray(),
            New = reports.Select(r => r.New).ToArray(),
            Updated = reports.Select(r => r.Updated).ToArray(),
            Rejected = reports.Select(r => r.Rejected).ToArray(),
            Errors = reports.Select(r => r.Errors.Count).ToArray(),
            FirstErrors = reports.Select(r => r.Errors.Count > 0 ? r.Errors[0] : null).ToArray(),
        }, cancellationToken: cancellationToken));
    }
}

using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Digest.Database;

/// <summary>
/// Applies the pending migrations in version order, each in its own transaction, under a
/// PostgreSQL advisory lock so that instances starting together apply each migration once.
/// </summary>
public sealed class MigrationRunner(NpgsqlDataSource dataSource, ILogger<MigrationRunner> logger)
{
    // Any fixed 64-bit key; it only has to be the same in every instance of this service.
    const long LockKey = 0x44_69_67_65_73_74_01; // "Digest" + 1

    public Task<int> ApplyAsync(CancellationToken cancellationToken = default) => ApplyAsync(Migration.Embedded, cancellationToken);

    /// <returns>How many migrations this call applied.</returns>
    public async Task<int> ApplyAsync(IReadOnlyList<Migration> migrations, CancellationToken cancellationToken = default)
    {
        migrations = migrations.OrderBy(m => m.Version).ToList();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@LockKey)", new { LockKey }, cancellationToken: cancellationToken));
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(CreateHistorySql, cancellationToken: cancellationToken));
            var applied = (await connection.QueryAsync<AppliedMigration>(
                new CommandDefinition("SELECT version, name, checksum FROM schema_migrations", cancellationToken: cancellationToken)))
                .ToDictionary(a => a.Version);

            foreach (var migration in migrations)
            {
                if (applied.TryGetValue(migration.Version, out var done))
                {
                    if (done.Checksum != migration.Checksum)
                    {
                        throw new MigrationChangedException(
                            $"Migration {migration.Version:D4}_{migration.Name}.sql was changed after it was applied to this database " +
                            $"(checksum {done.Checksum[..12]}… recorded, {migration.Checksum[..12]}… in this build). " +
                            "Restore the original file and put the change in a new migration.");
                    }
                }
            }

            var count = 0;
            foreach (var migration in migrations.Where(m => !applied.ContainsKey(m.Version)))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: transaction, cancellationToken: cancellationToken));
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (@Version, @Name, @Checksum)",
                    new { migration.Version, migration.Name, migration.Checksum }, transaction, cancellationToken: cancellationToken));
                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Applied migration {Version:D4}_{Name}", migration.Version, migration.Name);
                count++;
            }

            var unknown = applied.Keys.Except(migrations.Select(m => m.Version)).Order().ToList();
            if (unknown.Count > 0)
                logger.LogWarning("The database has migrations this build does not know ({Versions}); a newer version of Digest has run against it", string.Join(", ", unknown));
            return count;
        }
        finally
        {
            await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_unlock(@LockKey)", new { LockKey }, cancellationToken: CancellationToken.None));
        }
    }

    const string CreateHistorySql = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version     integer     PRIMARY KEY,
            name        text        NOT NULL,
            checksum    text        NOT NULL,
            applied_at  timestamptz NOT NULL DEFAULT now()
        )
        """;

    sealed record AppliedMigration(int Version, string Name, string Checksum);
}

/// <summary>An already-applied migration's script differs from the one in this build.</summary>
public sealed class MigrationChangedException(string message) : Exception(message);

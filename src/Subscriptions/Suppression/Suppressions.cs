using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Digest.Subscriptions.Suppression;

/// <summary>An address we stopped sending to, and why.</summary>
public sealed record SuppressedAddress(long Id, string Email, DateTime? SuppressedAt, string? Reason, int HardFailures);

/// <summary>
/// The suppression list, for the operator (the console and <c>digest suppression list|lift</c>).
/// Lifting is the operator's judgement that the mailbox works again (the reply was the relay's
/// fault, the person fixed their mailbox): the address is active again and its count starts over.
/// </summary>
public sealed class Suppressions(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<Suppressions> logger)
{
    public async Task<IReadOnlyList<SuppressedAddress>> ListAsync(CancellationToken cancellationToken = default)
    {
        const string Sql = """
            SELECT id AS Id, email AS Email, suppressed_at AS SuppressedAt, suppressed_reason AS Reason, hard_failures AS HardFailures
            FROM subscribers WHERE status = 'suppressed'
            ORDER BY suppressed_at DESC NULLS LAST, id DESC
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<SuppressedAddress>(new CommandDefinition(Sql, cancellationToken: cancellationToken))).AsList();
    }

    /// <returns>Whether the address was suppressed (and now is not).</returns>
    public async Task<bool> LiftAsync(string email, CancellationToken cancellationToken = default)
    {
        const string Sql = """
            UPDATE subscribers
            SET status = 'active', hard_failures = 0, suppressed_at = NULL, suppressed_reason = NULL, updated_at = @now
            WHERE lower(email) = lower(@email) AND status = 'suppressed'
            RETURNING id
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var id = await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
            Sql, new { email = email.Trim(), now = clock.GetUtcNow() }, cancellationToken: cancellationToken));
        if (id is { } subscriberId)
            logger.LogInformation("Suppression of subscriber {SubscriberId} lifted by the operator", subscriberId);
        return id is not null;
    }
}

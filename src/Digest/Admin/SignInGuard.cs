using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Digest.Admin;

/// <summary>What a sign-in attempt may do now.</summary>
/// <param name="LockedUntil">Set while the client is locked out: even the right password is refused.</param>
/// <param name="AttemptsLeft">Failures left before the lockout.</param>
internal sealed record SignInStanding(DateTimeOffset? LockedUntil, int AttemptsLeft);

/// <summary>
/// Rate-limits the console's sign-in: MaxFailedSignIns failures in a row from one address lock it out
/// for LockoutDuration, counted in the database so that all instances count together. Checking a
/// password costs ~0.3 s of CPU by design, so only one is checked at a time per instance: a flood of
/// attempts waits its turn instead of taking the machine.
/// </summary>
internal sealed class SignInGuard(NpgsqlDataSource dataSource, IOptions<AdminOptions> options, TimeProvider clock) : IDisposable
{
    readonly SemaphoreSlim _oneAtATime = new(1, 1);

    public async Task<SignInStanding> StandingAsync(string client, CancellationToken cancellationToken)
    {
        const string Sql = "SELECT failures AS Failures, locked_until AS LockedUntil FROM admin_sign_in_failures WHERE client = @client";
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(Sql, new { client }, cancellationToken: cancellationToken));
        return Standing(row);
    }

    /// <summary>Checks the password unless the client is locked out, and counts a failure.</summary>
    public async Task<(bool SignedIn, SignInStanding Standing)> TryAsync(string client, string password, CancellationToken cancellationToken)
    {
        var standing = await StandingAsync(client, cancellationToken);
        if (standing.LockedUntil is not null)
            return (false, standing);
        bool matches;
        await _oneAtATime.WaitAsync(cancellationToken);
        try
        {
            matches = AdminPassword.TryParse(options.Value.PasswordHash ?? "", out var hash) && hash.Matches(password);
        }
        finally
        {
            _oneAtATime.Release();
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (matches)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM admin_sign_in_failures WHERE client = @client", new { client }, cancellationToken: cancellationToken));
            return (true, standing);
        }
        // A lockout that has run out starts the count again.
        const string FailSql = """
            INSERT INTO admin_sign_in_failures AS f (client, failures, last_at)
            VALUES (@client, 1, @now)
            ON CONFLICT (client) DO UPDATE SET
                failures = CASE WHEN f.locked_until IS NOT NULL THEN 1 ELSE f.failures + 1 END,
                locked_until = NULL,
                last_at = @now
            RETURNING failures AS Failures, locked_until AS LockedUntil;
            """;
        const string LockSql = """
            UPDATE admin_sign_in_failures SET locked_until = @until WHERE client = @client
            RETURNING failures AS Failures, locked_until AS LockedUntil
            """;
        var settings = options.Value;
        var now = clock.GetUtcNow();
        var row = await connection.QuerySingleAsync<Row>(new CommandDefinition(FailSql, new { client, now }, cancellationToken: cancellationToken));
        if (row.Failures >= settings.MaxFailedSignIns)
            row = await connection.QuerySingleAsync<Row>(new CommandDefinition(
                LockSql, new { client, until = now + settings.LockoutDuration }, cancellationToken: cancellationToken));
        return (false, Standing(row));
    }

    SignInStanding Standing(Row? row)
    {
        var max = options.Value.MaxFailedSignIns;
        if (row is null)
            return new SignInStanding(null, max);
        if (row.LockedUntil is { } until && until > clock.GetUtcNow().UtcDateTime)
            return new SignInStanding(new DateTimeOffset(until, TimeSpan.Zero), 0);
        return new SignInStanding(null, row.LockedUntil is null ? Math.Max(0, max - row.Failures) : max);
    }

    public void Dispose() => _oneAtATime.Dispose();

    // timestamptz reads as a UTC DateTime.
    sealed record Row(int Failures, DateTime? LockedUntil);
}

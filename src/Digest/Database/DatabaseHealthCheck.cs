using Dapper;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Digest.Database;

/// <summary>Healthy when the database answers a query and has the schema this build expects.</summary>
internal sealed class DatabaseHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            var latest = await connection.ExecuteScalarAsync<int?>(new CommandDefinition(
                "SELECT max(version) FROM schema_migrations", cancellationToken: cancellationToken));
            var expected = Migration.Embedded.Count == 0 ? (int?)null : Migration.Embedded[^1].Version;
            return latest >= expected || expected is null
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"schema at version {latest?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, expected {expected}");
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("database unreachable", e);
        }
    }
}

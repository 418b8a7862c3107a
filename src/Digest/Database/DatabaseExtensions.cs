using System.Data.Common;
using Dapper;
using Digest.Database.Embedded;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Digest.Database;

public static class DatabaseExtensions
{
    public const string ConnectionStringName = "Postgres";

    /// <summary>
    /// Registers the one <see cref="NpgsqlDataSource"/> of the process, for ConnectionStrings:Postgres
    /// (which <see cref="EmbeddedDatabase.StartUnlessConfiguredAsync"/> sets for the embedded default).
    /// </summary>
    public static IHostApplicationBuilder AddDatabase(this IHostApplicationBuilder builder)
    {
        // Columns are snake_case, records PascalCase.
        DefaultTypeMap.MatchNamesWithUnderscores = true;

        var connectionString = builder.Configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InvalidOperationException("No ConnectionStrings:Postgres: start the embedded database (EmbeddedDatabase.StartUnlessConfiguredAsync) before AddDatabase.");

        builder.Services.AddSingleton(services => new NpgsqlDataSourceBuilder(connectionString)
            .UseLoggerFactory(services.GetRequiredService<ILoggerFactory>())
            .Build());
        builder.Services.AddSingleton<DbDataSource>(services => services.GetRequiredService<NpgsqlDataSource>());
        builder.Services.AddSingleton<MigrationRunner>();
        builder.Services.AddHostedService<MigrateOnStart>();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", HealthStatus.Unhealthy, [DigestExtensions.ReadyTag]);
        return builder;
    }

    /// <summary>Brings the schema up to date; used by the CLI verbs, which do not start hosted services.</summary>
    public static Task<int> MigrateDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken = default) =>
        services.GetRequiredService<MigrationRunner>().ApplyAsync(cancellationToken);

    /// <summary>Stops the embedded cluster, if this process started one.</summary>
    public static async Task StopEmbeddedDatabaseAsync(this IServiceProvider services)
    {
        if (services.GetService<EmbeddedPostgres>() is not { } cluster)
            return;
        // Close the pool's idle connections first, so the server's shutdown does not break them
        // under Npgsql's feet (which it would log as errors).
        services.GetRequiredService<NpgsqlDataSource>().Clear();
        await cluster.StopAsync();
    }

    sealed class MigrateOnStart(MigrationRunner runner) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => runner.ApplyAsync(cancellationToken);
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

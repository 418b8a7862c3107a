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
    /// Registers the one <see cref="NpgsqlDataSource"/> of the process. With no
    /// ConnectionStrings:Postgres configured, first starts the embedded cluster in the data folder
    /// and points the connection string at it, so every later registration (Quartz included) sees
    /// one database either way.
    /// </summary>
    public static IHostApplicationBuilder AddDatabase(this IHostApplicationBuilder builder)
    {
        // Columns are snake_case, records PascalCase.
        DefaultTypeMap.MatchNamesWithUnderscores = true;

        var connectionString = builder.Configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            var settings = new EmbeddedPostgresSettings(
                DataFolder.Resolve(builder.Configuration),
                BinDirectory: builder.Configuration["Digest:PostgresBinDir"]);
            using var startupLogging = LoggerFactory.Create(logging => logging.AddSimpleConsole(o => o.SingleLine = true));
            var logger = startupLogging.CreateLogger<EmbeddedPostgres>();
            logger.LogInformation("No ConnectionStrings:Postgres configured: starting the embedded PostgreSQL in {DataDirectory}", settings.DataDirectory);
            // Blocking here is deliberate: nothing else can be configured until the database exists.
            var cluster = EmbeddedPostgres.StartAsync(settings, logger).GetAwaiter().GetResult();
            builder.Services.AddSingleton(cluster);
            // Registered before every other hosted service so that it is stopped after all of them.
            builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService, EmbeddedPostgresLifetime>());
            connectionString = cluster.ConnectionString(settings.Database);
            builder.Configuration[$"ConnectionStrings:{ConnectionStringName}"] = connectionString;
        }

        builder.Services.AddSingleton(services => new NpgsqlDataSourceBuilder(connectionString)
            .UseLoggerFactory(services.GetRequiredService<ILoggerFactory>())
            .Build());
        builder.Services.AddSingleton<DbDataSource>(services => services.GetRequiredService<NpgsqlDataSource>());
        builder.Services.AddSingleton<MigrationRunner>();
        builder.Services.AddHostedService<MigrateOnStart>();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", HealthStatus.Unhealthy, ["ready"]);
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

    sealed class EmbeddedPostgresLifetime(IServiceProvider services) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => services.StopEmbeddedDatabaseAsync();
    }

    sealed class MigrateOnStart(MigrationRunner runner) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => runner.ApplyAsync(cancellationToken);
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

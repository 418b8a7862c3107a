using Digest.Database.Embedded;
using Npgsql;

namespace Digest.Database;

/// <summary>Which database this process uses, in words an operator can act on (the verbs print it).</summary>
public sealed record DatabaseInUse(string Description);

/// <summary>
/// The embedded default, run where the host is built: every registration after it (Quartz's store
/// included) reads one connection string, whichever database it names.
/// </summary>
public static class EmbeddedDatabase
{
    // A verb started together with the service waits this long for the service's server to answer.
    static readonly TimeSpan JoinPatience = TimeSpan.FromSeconds(60);

    /// <summary>
    /// With ConnectionStrings:Postgres configured, only says so. Without it, starts the private
    /// cluster in the data folder and points the connection string at it; with
    /// <paramref name="joinRunningService"/>, a folder owned by a running service is joined
    /// instead (its server, through its socket), and that service alone starts and stops it.
    /// </summary>
    public static async Task<DatabaseInUse> StartUnlessConfiguredAsync(
        this IHostApplicationBuilder builder, bool joinRunningService, CancellationToken cancellationToken = default)
    {
        var configured = builder.Configuration.GetConnectionString(DatabaseExtensions.ConnectionStringName);
        DatabaseInUse inUse;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var named = new NpgsqlConnectionStringBuilder(configured);
            inUse = new($"database {named.Database} on {named.Host}:{named.Port} (ConnectionStrings:Postgres)");
        }
        else
        {
            var cluster = await StartAsync(builder, joinRunningService, cancellationToken);
            builder.Configuration[$"ConnectionStrings:{DatabaseExtensions.ConnectionStringName}"] = cluster.ConnectionString(cluster.Settings.Database);
            builder.Services.AddSingleton(cluster);
            // First of the hosted services, so that it is stopped after all of them.
            builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService, EmbeddedPostgresLifetime>());
            inUse = new(cluster.Owned
                ? $"the embedded PostgreSQL in {cluster.DataDirectory} (started by this process)"
                : $"the embedded PostgreSQL of the Digest service running on {cluster.DataDirectory} (its socket in {cluster.SocketDirectory})");
        }
        builder.Services.AddSingleton(inUse);
        return inUse;
    }

    static async Task<EmbeddedPostgres> StartAsync(IHostApplicationBuilder builder, bool joinRunningService, CancellationToken cancellationToken)
    {
        var settings = new EmbeddedPostgresSettings(
            DataFolder.Resolve(builder.Configuration),
            BinDirectory: builder.Configuration["Digest:PostgresBinDir"],
            ServerSettings: builder.Configuration.GetSection("Digest:PostgresSettings").GetChildren()
                .ToDictionary(setting => setting.Key, setting => setting.Value ?? ""));
        using var startupLogging = LoggerFactory.Create(logging => logging.AddSimpleConsole(o => o.SingleLine = true));
        var logger = startupLogging.CreateLogger<EmbeddedPostgres>();
        logger.LogInformation("No ConnectionStrings:Postgres configured: using the embedded PostgreSQL in {DataDirectory}", settings.DataDirectory);
        return joinRunningService
            ? await EmbeddedPostgres.StartOrJoinAsync(settings, logger, JoinPatience, cancellationToken)
            : await EmbeddedPostgres.StartAsync(settings, logger, cancellationToken);
    }

    sealed class EmbeddedPostgresLifetime(IServiceProvider services) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => services.StopEmbeddedDatabaseAsync();
    }
}

using Dapper;
using Digest.Database;
using Digest.Database.Embedded;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Digest.TestSupport;

/// <summary>
/// One throwaway PostgreSQL cluster per test run (per test assembly), started by the same code as
/// the service's embedded default, and a fresh, migrated database for every fixture that asks.
/// </summary>
public static class TestPostgres
{
    const string Template = "digest_template";
    static readonly SemaphoreSlim Gate = new(1, 1);
    static EmbeddedPostgres? _cluster;
    static int _databases;

    /// <summary>The cluster, started on first use and stopped when the test process exits.</summary>
    public static async Task<EmbeddedPostgres> ClusterAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_cluster is not null)
                return _cluster;
            var folder = Path.Combine(Path.GetTempPath(), "digest-tests", $"{Environment.ProcessId}-{Guid.NewGuid():N}"[..20]);
            _cluster = await EmbeddedPostgres.StartAsync(
                new EmbeddedPostgresSettings(folder, Database: Template, Durable: false), NullLogger.Instance);
            await MigrateTemplateAsync(_cluster);
            AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteFolder(folder);
            return _cluster;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>A new database with every migration applied; returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var cluster = await ClusterAsync();
        var name = $"test_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}"[..30];
        await using (var admin = new NpgsqlConnection(cluster.ConnectionString("postgres")))
        {
            // Copying a migrated template is much faster than migrating every database.
            await admin.ExecuteAsync($"CREATE DATABASE \"{name}\" TEMPLATE \"{Template}\"");
        }
        return cluster.ConnectionString(name);
    }

    /// <summary>A new database with nothing in it, for tests of the migrations themselves.</summary>
    public static async Task<string> CreateEmptyDatabaseAsync()
    {
        var cluster = await ClusterAsync();
        var name = $"empty_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}"[..30];
        await using (var admin = new NpgsqlConnection(cluster.ConnectionString("postgres")))
        {
            await admin.ExecuteAsync($"CREATE DATABASE \"{name}\" TEMPLATE template0");
        }
        return cluster.ConnectionString(name);
    }

    static async Task MigrateTemplateAsync(EmbeddedPostgres cluster)
    {
        var connectionString = cluster.ConnectionString(Template);
        await using (var dataSource = NpgsqlDataSource.Create(connectionString))
        {
            await new MigrationRunner(dataSource, NullLogger<MigrationRunner>.Instance).ApplyAsync();
        }
        // A template cannot be copied while anyone is connected to it.
        NpgsqlConnection.ClearAllPools();
    }

    static void DeleteFolder(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

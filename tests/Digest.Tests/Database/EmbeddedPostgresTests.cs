using Dapper;
using Digest.Database.Embedded;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Digest.Tests.Database;

public sealed class EmbeddedPostgresTests
{
    string _folder = null!;

    [SetUp]
    public void NewFolder() => _folder = Path.Combine(Path.GetTempPath(), "digest-tests", "embedded-" + Guid.NewGuid().ToString("N")[..12]);

    [TearDown]
    public void RemoveFolder()
    {
        if (Directory.Exists(_folder))
            Directory.Delete(_folder, recursive: true);
    }

    Task<EmbeddedPostgres> StartAsync() =>
        EmbeddedPostgres.StartAsync(new EmbeddedPostgresSettings(_folder, Durable: false), NullLogger.Instance);

    [Test]
    public async Task A_second_start_on_the_same_folder_fails_with_a_message_naming_the_folder()
    {
        await using var first = await StartAsync();

        var error = Assert.ThrowsAsync<EmbeddedPostgresException>(StartAsync);

        Assert.That(error!.Message, Does.Contain("Another Digest process is already using the data folder").And.Contain(_folder));
        await using var connection = new NpgsqlConnection(first.ConnectionString("digest"));
        Assert.That(await connection.ExecuteScalarAsync<int>("SELECT 1"), Is.EqualTo(1), "the first cluster must be untouched");
    }

    [Test]
    public async Task Parallel_queries_work_and_text_search_is_english()
    {
        await using var cluster = await StartAsync();
        await using var connection = new NpgsqlConnection(cluster.ConnectionString("digest"));

        // Forces a parallel plan: its workers restore the session's settings, which failed on a
        // doubly qualified default_text_search_config ('pg_catalog.pg_catalog.english').
        var count = await connection.ExecuteScalarAsync<long>("""
            SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
            SET max_parallel_workers_per_gather = 2;
            CREATE TABLE numbers AS SELECT n FROM generate_series(1, 10000) AS n;
            SELECT count(*) FROM numbers WHERE to_tsvector(n::text) IS NOT NULL;
            """);

        Assert.That(count, Is.EqualTo(10_000));
        Assert.That(await connection.ExecuteScalarAsync<string>("SHOW default_text_search_config"), Is.EqualTo("pg_catalog.english"));
    }

    [Test]
    public async Task A_restart_reuses_the_folder_and_keeps_the_data()
    {
        await using (var first = await StartAsync())
        {
            await using var connection = new NpgsqlConnection(first.ConnectionString("digest"));
            await connection.ExecuteAsync("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here');");
        }

        await using var second = await StartAsync();

        await using var again = new NpgsqlConnection(second.ConnectionString("digest"));
        Assert.That(await again.ExecuteScalarAsync<string>("SELECT v FROM kept"), Is.EqualTo("still here"));
    }

    [Test]
    public async Task Stopping_leaves_no_server_running_and_frees_the_folder()
    {
        var cluster = await StartAsync();
        var pidFile = Path.Combine(cluster.ClusterDirectory, "postmaster.pid");
        Assert.That(File.Exists(pidFile), Is.True);

        await cluster.StopAsync();

        Assert.That(File.Exists(pidFile), Is.False, "pg_ctl removes postmaster.pid once the server has exited");
        await using var reopened = await StartAsync();
    }

    [Test]
    public async Task The_server_listens_on_a_private_socket_and_no_tcp_port()
    {
        await using var cluster = await StartAsync();
        await using var connection = new NpgsqlConnection(cluster.ConnectionString("digest"));

        var listen = await connection.ExecuteScalarAsync<string>("SHOW listen_addresses");
        var socketMode = File.GetUnixFileMode(cluster.SocketDirectory);

        Assert.That(listen, Is.Empty);
        Assert.That(socketMode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.OtherExecute), Is.EqualTo((UnixFileMode)0));
    }

    [Test]
    public void A_configured_folder_without_the_server_programs_is_named_in_the_error()
    {
        var error = Assert.Throws<EmbeddedPostgresException>(() => PostgresBinaries.Find("/nonexistent/pg/bin"));

        Assert.That(error!.Message, Does.Contain("/nonexistent/pg/bin").And.Contain("initdb"));
    }
}

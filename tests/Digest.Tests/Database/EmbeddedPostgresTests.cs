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

    [Test]
    public async Task An_operators_server_settings_reach_the_server_after_the_embedded_defaults()
    {
        var settings = new Dictionary<string, string> { ["work_mem"] = "12MB", ["max_connections"] = "150" };
        await using var cluster = await EmbeddedPostgres.StartAsync(
            new EmbeddedPostgresSettings(_folder, Durable: false, ServerSettings: settings), NullLogger.Instance);
        await using var connection = new NpgsqlConnection(cluster.ConnectionString("digest"));

        Assert.That(await connection.ExecuteScalarAsync<string>("SHOW work_mem"), Is.EqualTo("12MB"));
        Assert.That(await connection.ExecuteScalarAsync<string>("SHOW max_connections"), Is.EqualTo("150"), "overrides the embedded 200");
    }

    // pg_ctl hands the options to a shell: anything but a plain name and value could run a command.
    static IEnumerable<TestCaseData> NotPlainSettings()
    {
        string[] badNames = ["listen_addresses", "LISTEN_ADDRESSES", "port", "unix_socket_directories", "unix_socket_permissions", "hba_file", "data_directory", "", " work_mem", "work mem", "work_mem;", "1work_mem", "work-mem", "work_mem=1", "$(id)", "`id`", "a'b", "a\"b", "a\nb", "ü"];
        string[] badValues = ["", "12 MB", "12MB;", "'12MB'", "\"12MB\"", "$(touch x)", "`id`", "a|b", "a&b", "a>b", "a\nb", "a\\b", "x*", "ü"];
        foreach (var name in badNames)
            yield return new TestCaseData(name, "12MB").SetName($"name {Escape(name)}");
        foreach (var value in badValues)
            yield return new TestCaseData("work_mem", value).SetName($"value {Escape(value)}");
        // And generated: a plain value with one character no setting value needs put in at random.
        var random = new Random(13);
        const string Unsafe = " '\"`$;|&<>()*?![]{}~#\\\n\t";
        for (var i = 0; i < 40; i++)
        {
            var plain = "shared_buffers";
            var at = random.Next(plain.Length + 1);
            var value = plain.Insert(at, Unsafe[random.Next(Unsafe.Length)].ToString());
            yield return new TestCaseData("work_mem", value).SetName($"generated value {i}: {Escape(value)}");
        }
    }

    static string Escape(string text) => text.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal);

    [TestCaseSource(nameof(NotPlainSettings))]
    public void A_setting_that_is_not_plain_is_refused_naming_it_before_anything_is_made_on_disk(string name, string value)
    {
        var settings = new EmbeddedPostgresSettings(_folder, Durable: false, ServerSettings: new Dictionary<string, string> { [name] = value });

        var error = Assert.ThrowsAsync<EmbeddedPostgresException>(() => EmbeddedPostgres.StartAsync(settings, NullLogger.Instance));

        Assert.That(error!.Message, Does.StartWith("Digest:PostgresSettings"));
        Assert.That(Directory.Exists(_folder), Is.False, "no folder, no cluster");
    }
}

using Dapper;
using Digest.Database;
using Digest.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Digest.Tests.Database;

public sealed class MigrationRunnerTests
{
    static readonly Migration CreateNotes = new(1, "notes", "CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL);");
    static readonly Migration AddAuthor = new(2, "notes_author", "ALTER TABLE notes ADD COLUMN author text;");

    NpgsqlDataSource _dataSource = null!;
    MigrationRunner _runner = null!;

    [SetUp]
    public async Task FreshDatabase()
    {
        _dataSource = NpgsqlDataSource.Create(await TestPostgres.CreateEmptyDatabaseAsync());
        _runner = new MigrationRunner(_dataSource, NullLogger<MigrationRunner>.Instance);
    }

    [TearDown]
    public async Task Close() => await _dataSource.DisposeAsync();

    [Test]
    public async Task Pending_migrations_are_applied_in_order_and_recorded_with_their_checksums()
    {
        var applied = await _runner.ApplyAsync([AddAuthor, CreateNotes]);

        Assert.That(applied, Is.EqualTo(2));
        await using var connection = await _dataSource.OpenConnectionAsync();
        var history = (await connection.QueryAsync<(int Version, string Checksum)>(
            "SELECT version, checksum FROM schema_migrations ORDER BY version")).ToList();
        Assert.That(history, Is.EqualTo(new[] { (1, CreateNotes.Checksum), (2, AddAuthor.Checksum) }));
        var columns = await connection.QueryAsync<string>(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'notes' ORDER BY ordinal_position");
        Assert.That(columns, Is.EqualTo(new[] { "id", "body", "author" }));
    }

    [Test]
    public async Task Running_again_applies_nothing()
    {
        await _runner.ApplyAsync([CreateNotes, AddAuthor]);

        Assert.That(await _runner.ApplyAsync([CreateNotes, AddAuthor]), Is.Zero);
    }

    [Test]
    public async Task A_migration_changed_after_it_was_applied_is_refused_with_its_name()
    {
        await _runner.ApplyAsync([CreateNotes]);
        var edited = CreateNotes with { Sql = "CREATE TABLE notes (id bigint PRIMARY KEY);" };

        var error = Assert.ThrowsAsync<MigrationChangedException>(() => _runner.ApplyAsync([edited, AddAuthor]));

        Assert.That(error!.Message, Does.Contain("0001_notes.sql"));
        await using var connection = await _dataSource.OpenConnectionAsync();
        Assert.That(await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM schema_migrations"), Is.EqualTo(1),
            "nothing after the refusal may be applied");
    }

    [Test]
    public async Task Line_endings_alone_do_not_count_as_a_change()
    {
        await _runner.ApplyAsync([CreateNotes with { Sql = "CREATE TABLE notes (id int);\nSELECT 1;\n" }]);

        Assert.That(await _runner.ApplyAsync([CreateNotes with { Sql = "CREATE TABLE notes (id int);\r\nSELECT 1;\r\n" }]), Is.Zero);
    }

    [Test]
    public async Task A_failing_migration_leaves_nothing_of_itself_behind()
    {
        var broken = new Migration(2, "broken", "CREATE TABLE tags (id int); SELECT * FROM no_such_table;");

        Assert.ThrowsAsync<Npgsql.PostgresException>(() => _runner.ApplyAsync([CreateNotes, broken]));

        await using var connection = await _dataSource.OpenConnectionAsync();
        Assert.That(await connection.QueryAsync<int>("SELECT version FROM schema_migrations"), Is.EqualTo(new[] { 1 }));
        Assert.That(await connection.ExecuteScalarAsync<string?>("SELECT to_regclass('tags')::text"), Is.Null);
    }

    [Test]
    public async Task Instances_starting_together_apply_each_migration_once()
    {
        var slow = new Migration(3, "slow", "SELECT pg_sleep(0.2); CREATE TABLE slow (id int);");

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            new MigrationRunner(_dataSource, NullLogger<MigrationRunner>.Instance).ApplyAsync([CreateNotes, AddAuthor, slow])));

        Assert.That(results.Sum(), Is.EqualTo(3));
    }

    [Test]
    public async Task The_shipped_migrations_apply_to_an_empty_database_and_then_are_up_to_date()
    {
        var applied = await _runner.ApplyAsync(Migration.Embedded);

        Assert.That(applied, Is.EqualTo(Migration.Embedded.Count));
        Assert.That(await _runner.ApplyAsync(Migration.Embedded), Is.Zero);
    }

    [Test]
    public void Shipped_migration_versions_are_unique_and_ascending()
    {
        var versions = Migration.Embedded.Select(m => m.Version).ToList();

        Assert.That(versions, Is.Ordered.Ascending);
        Assert.That(versions, Is.Unique);
    }
}

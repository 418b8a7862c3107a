using Dapper;
using Digest.Database;
using Digest.Digests;
using Digest.Tests.Digests.Harness;
using Digest.Tests.Papers.Harness;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Digest.Tests.Digests;

/// <summary>
/// How an issue keeps its papers (migration 0068): issues planned now as two arrays, issues
/// planned before as jsonb. Both read as the same issue; a row that is neither, both, or whose
/// listing disagrees with its state is refused.
/// </summary>
public sealed class IssueListingTests
{
    static readonly DateTimeOffset Monday9 = Fixtures.Utc("2025-09-08T09:00:00Z");

    [Test]
    public async Task An_issue_kept_as_jsonb_reads_as_the_same_issue_kept_as_arrays()
    {
        await using var host = await DigestsHost.StartAsync(Monday9);
        await host.AddDemoPapersAsync(Monday9 - TimeSpan.FromHours(2));
        string[] topics = ["diffusion", "model", "language"];
        var arrays = await host.SubscribeAsync("arrays@example.org", topics);
        var jsonb = await host.SubscribeAsync("jsonb@example.org", topics);
        await host.Planner.PlanAsync();

        Assert.That(await host.ScalarAsync<long>("SELECT count(*) FROM digest_issues WHERE papers IS NULL AND cardinality(paper_ids) > 0"),
            Is.EqualTo(2), "the planner writes arrays");
        // The second issue as an issue planned before the migration: its papers as jsonb only.
        await host.ScalarAsync<int>("""
            WITH old AS (
                UPDATE digest_issues i SET papers = issue_papers(i), paper_ids = NULL, paper_topics = NULL
                WHERE subscriber_id = @jsonb RETURNING 1)
            SELECT count(*)::int FROM old
            """, new { jsonb });

        var reader = host.Services.GetRequiredService<IssueReader>();
        var ids = (await host.IssuesAsync(arrays)).Select(i => i.Id).Concat((await host.IssuesAsync(jsonb)).Select(i => i.Id)).ToList();
        var contents = await reader.ReadManyAsync(ids);
        var (fromArrays, fromJsonb) = (contents[ids[0]].Papers, contents[ids[1]].Papers);

        Assert.That(fromArrays, Has.Count.GreaterThan(3));
        Assert.That(fromArrays.Any(p => p.Topics.Count > 1), "a paper matched by two topics, one a line in paper_topics");
        Assert.That(fromJsonb.Select(p => (p.Id, string.Join("|", p.Topics))),
            Is.EqualTo(fromArrays.Select(p => (p.Id, string.Join("|", p.Topics)))));
        Assert.That(fromArrays.SelectMany(p => p.Topics).Distinct(), Is.SubsetOf(topics));
    }

    [Test]
    public async Task Issue_papers_gives_the_former_shape_of_either_form()
    {
        await using var connection = await OpenAsync();
        var subscriber = await SubscriberAsync(connection);
        var arrays = await InsertAsync(connection, subscriber, 1, "queued", null, ["2509.00001", "2509.00002", "2509.00003"], ["rlhf", "a or b\n\"two words\"", ""]);
        var jsonb = await InsertAsync(connection, subscriber, 2, "queued", """[{"id": "2509.00001", "topics": ["rlhf"]}]""", null, null);
        var empty = await InsertAsync(connection, subscriber, 3, "empty", null, [], []);

        async Task<string> PapersOf(long id) =>
            await connection.ExecuteScalarAsync<string>("SELECT issue_papers(i)::text FROM digest_issues i WHERE id = @id", new { id }) ?? "";

        Assert.That(await PapersOf(arrays!.Value), Is.EqualTo(
            """[{"id": "2509.00001", "topics": ["rlhf"]}, {"id": "2509.00002", "topics": ["a or b", "\"two words\""]}, {"id": "2509.00003", "topics": []}]"""));
        Assert.That(await PapersOf(jsonb!.Value), Is.EqualTo("""[{"id": "2509.00001", "topics": ["rlhf"]}]"""));
        Assert.That(await PapersOf(empty!.Value), Is.EqualTo("[]"));
    }

    /// <summary>Every combination of the two forms' columns and three states; each is allowed exactly when the rule says.</summary>
    [Test]
    public async Task A_row_that_is_neither_form_both_or_disagrees_with_its_state_is_refused()
    {
        await using var connection = await OpenAsync();
        var subscriber = await SubscriberAsync(connection);
        string?[] jsonbs = [null, "[]", """[{"id": "2509.00001", "topics": ["rlhf"]}]"""];
        string[]?[] idLists = [null, [], ["2509.00001"], ["2509.00001", "2509.00002"]];
        string[]?[] topicLists = [null, [], ["rlhf"], ["rlhf", "agents\nrlhf"]];
        var (allowed, refused, period) = (0, 0, 0);
        foreach (var state in new[] { "empty", "queued", "sent" })
        foreach (var papers in jsonbs)
        foreach (var ids in idLists)
        foreach (var topics in topicLists)
        {
            var listed = papers is null
                ? ids is not null && topics is not null && ids.Length == topics.Length ? ids.Length : (int?)null
                : ids is null && topics is null ? (papers == "[]" ? 0 : 1) : null;
            var expected = listed is { } n && (state == "empty") == (n == 0);
            var before = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM digest_issues");
            var id = await InsertAsync(connection, subscriber, ++period, state, papers, ids, topics);
            var what = $"{state}, papers {papers ?? "null"}, paper_ids [{(ids is null ? "null" : string.Join(",", ids))}], paper_topics [{(topics is null ? "null" : topics.Length)}]";
            Assert.That(id is not null, Is.EqualTo(expected), what);
            Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM digest_issues"), Is.EqualTo(before + (expected ? 1 : 0)), what);
            if (expected)
                allowed++;
            else
                refused++;
        }
        Assert.That((allowed, refused), Is.EqualTo((8, 136)));
    }

    [Test]
    public async Task An_instance_upgraded_with_issues_in_it_keeps_them_as_they_were_and_can_still_record_their_outcomes()
    {
        var connectionString = await Digest.TestSupport.TestPostgres.CreateEmptyDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var runner = new MigrationRunner(dataSource, NullLogger<MigrationRunner>.Instance);
        await runner.ApplyAsync(Migration.Embedded.Where(m => m.Version < 68).ToList());
        await using var connection = await dataSource.OpenConnectionAsync();
        var subscriber = await SubscriberAsync(connection);
        const string Listed = """[{"id": "2509.00001", "topics": ["rlhf"]}, {"id": "2509.00002", "topics": ["agents", "rlhf"]}]""";
        await connection.ExecuteAsync("""
            INSERT INTO digest_issues (subscriber_id, period, window_start, window_end, papers, state, due_at, planned_at) VALUES
                (@subscriber, '2025-11-20', now(), now(), @Listed::jsonb, 'queued', now(), now()),
                (@subscriber, '2025-11-21', now(), now(), '[]', 'empty', now(), now())
            """, new { subscriber, Listed });

        Assert.That(await runner.ApplyAsync(Migration.Embedded), Is.EqualTo(Migration.Embedded.Count(m => m.Version >= 68)));

        var rows = (await connection.QueryAsync<(string State, string Papers, bool Arrays)>("""
            SELECT state, issue_papers(i)::text, paper_ids IS NOT NULL OR paper_topics IS NOT NULL
            FROM digest_issues i ORDER BY period
            """)).ToList();
        Assert.That(rows, Is.EqualTo(new[] { ("queued", Listed, false), ("empty", "[]", false) }));
        // A claim and an outcome on an issue planned before the upgrade pass the new check.
        Assert.That(await connection.ExecuteAsync("UPDATE digest_issues SET claimed_by = gen_random_uuid(), attempts = 1 WHERE state = 'queued'"), Is.EqualTo(1));
        Assert.That(await connection.ExecuteAsync("UPDATE digest_issues SET state = 'sent', claimed_by = NULL, finished_at = now() WHERE state = 'queued'"), Is.EqualTo(1));
    }

    static async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(await Digest.TestSupport.TestPostgres.CreateDatabaseAsync());
        await connection.OpenAsync();
        return connection;
    }

    static Task<long> SubscriberAsync(NpgsqlConnection connection) => connection.ExecuteScalarAsync<long>("""
        INSERT INTO subscribers (email, status, frequency, delivery_hour, time_zone, created_at, updated_at, confirmed_at)
        VALUES ('listing@example.org', 'active', 'daily', 8, 'UTC', now(), now(), now())
        RETURNING id
        """);

    /// <returns>The new issue's id, or null when the listing check refused the row.</returns>
    static async Task<long?> InsertAsync(NpgsqlConnection connection, long subscriber, int day, string state, string? papers, string[]? ids, string[]? topics)
    {
        try
        {
            return await connection.ExecuteScalarAsync<long>("""
                INSERT INTO digest_issues (subscriber_id, period, window_start, window_end, papers, paper_ids, paper_topics, state, due_at, planned_at)
                VALUES (@subscriber, DATE '2025-01-01' + @day, now(), now(), @papers::jsonb, @ids, @topics, @state, now(), now())
                RETURNING id
                """, new { subscriber, day, papers, ids, topics, state });
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.CheckViolation && e.ConstraintName == "digest_issues_listing_check")
        {
            return null;
        }
    }
}

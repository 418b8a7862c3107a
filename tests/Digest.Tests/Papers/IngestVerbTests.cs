using Digest.Tests.Papers.Harness;
using Digest.TestSupport;

namespace Digest.Tests.Papers;

/// <summary><c>digest ingest</c> run as the real executable, against the fixture server and the demo file.</summary>
public sealed class IngestVerbTests
{
    FeedServer _feeds = null!;
    string _database = null!;

    [SetUp]
    public async Task Start()
    {
        _feeds = await FeedServer.StartAsync();
        _feeds.FixtureWeek(arxiv: true);
        _database = await TestPostgres.CreateDatabaseAsync();
    }

    [TearDown]
    public async Task Stop() => await _feeds.DisposeAsync();

    Dictionary<string, string?> Environment(params (string Key, string? Value)[] overrides)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__Postgres"] = _database,
            ["Papers__Offline"] = "false",
            ["Papers__HuggingFace__BaseUrl"] = _feeds.BaseUrl.ToString(),
            ["Papers__Arxiv__BaseUrl"] = _feeds.BaseUrl.ToString(),
            ["Papers__Arxiv__PageSize"] = "2",
            ["Papers__Arxiv__RequestInterval"] = "00:00:00.050",
            ["Papers__Http__RetryDelay"] = "00:00:00.010",
        };
        foreach (var (key, value) in overrides)
            environment[key] = value;
        return environment;
    }

    [Test]
    public async Task Ingest_against_the_feeds_prints_a_row_per_source_and_a_second_run_finds_nothing_new()
    {
        var (exitCode, output) = await DigestProcess.RunAsync(["ingest", "--from", "2025-09-05", "--to", "2025-09-08"], Environment());

        Assert.That(exitCode, Is.Zero, output);
        var rows = Summary.Rows(output);
        Assert.That(rows.Keys, Is.EquivalentTo(new[] { "huggingface", "arxiv" }), output);
        Assert.That((rows["huggingface"].Fetched, rows["huggingface"].Rejected, rows["huggingface"].Result), Is.EqualTo((7, 2, "ok")));
        Assert.That((rows["arxiv"].Fetched, rows["arxiv"].Rejected, rows["arxiv"].Result), Is.EqualTo((3, 0, "ok")));
        Assert.That(rows.Values.Sum(r => r.New), Is.EqualTo(6), "six distinct papers, whichever source stored each first");
        Assert.That(output, Does.Contain("Rejected huggingface item 2509.01003: title.missing"));
        Assert.That(output, Does.Contain("Ingest 2025-09-05 – 2025-09-08 (UTC)"));

        var (againExit, again) = await DigestProcess.RunAsync(["ingest", "--from", "2025-09-05", "--to", "2025-09-08"], Environment());

        Assert.That(againExit, Is.Zero, again);
        Assert.That(Summary.Rows(again).Values.Select(r => (r.New, r.Updated)), Has.All.EqualTo((0, 0)), again);
    }

    [Test]
    public async Task Ingest_of_the_demo_file_loads_its_84_papers()
    {
        var (exitCode, output) = await DigestProcess.RunAsync(["ingest", "--file", Fixtures.DemoFile], Environment());

        Assert.That(exitCode, Is.Zero, output);
        Assert.That(Summary.Rows(output)["file:demo-papers.json"], Is.EqualTo((84, 84, 0, 0, "ok")), output);
        Assert.That(_feeds.Requests, Is.Empty, "naming a file reads only the file");
    }

    [Test]
    public async Task A_source_that_fails_is_shown_in_the_summary_and_makes_the_exit_code_1()
    {
        _feeds.On("/api/daily_papers", _ => true, Reply.Status(System.Net.HttpStatusCode.BadGateway));

        var (exitCode, output) = await DigestProcess.RunAsync(["ingest", "--source", "huggingface", "--source", "arxiv"], Environment(("Papers__Http__MaxRetries", "0")));

        Assert.That(exitCode, Is.EqualTo(1), output);
        var rows = Summary.Rows(output);
        Assert.That(rows["huggingface"].Result, Is.EqualTo("failed (1)"), output);
        Assert.That(output, Does.Match(@"\nhuggingface: \d{4}-\d\d-\d\d page 0: GET http://127\.0\.0\.1:\d+/api/daily_papers\?date=\S+ answered HTTP 502 Bad Gateway\n"));
        Assert.That(rows["arxiv"].Result, Is.EqualTo("ok"));
    }

    [Test]
    public async Task Naming_a_source_that_is_off_is_a_clear_error()
    {
        var (exitCode, output) = await DigestProcess.RunAsync(["ingest", "--source", "arxiv"], Environment(("Papers__Offline", "true")));

        Assert.That(exitCode, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("digest ingest: arxiv is off: Papers:Offline is true."));
        Assert.That(_feeds.Requests, Is.Empty);
    }

    [TestCase("--source hugginface", "digest ingest: Argument 'hugginface' not recognized. Must be one of: 'huggingface' 'arxiv' 'file' 'demo'")]
    [TestCase("--from 2025-13-01", "digest ingest: --from '2025-13-01' is not a date: write it as YYYY-MM-DD, e.g. 2025-09-08.")]
    [TestCase("--to 8/9/2025", "digest ingest: --to '8/9/2025' is not a date: write it as YYYY-MM-DD, e.g. 2025-09-08.")]
    [TestCase("--from 2025-09-08 --to 2025-09-01", "digest ingest: --from 2025-09-08 is after --to 2025-09-01.")]
    [TestCase("--file /nonexistent/feed.json", "digest ingest: File does not exist: '/nonexistent/feed.json'.")]
    [TestCase("--since 2025-09-01", "digest ingest: Unrecognized arguments: '--since' '2025-09-01'.")]
    public async Task A_wrong_argument_is_one_clear_line_exit_code_2_and_nothing_started(string arguments, string message)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "digest-tests", "verb-" + Guid.NewGuid().ToString("N")[..12]);

        var (exitCode, output) = await DigestProcess.RunAsync(["ingest", .. arguments.Split(' ')],
            new Dictionary<string, string?> { ["ConnectionStrings__Postgres"] = null, ["Digest__DataDir"] = dataDir });

        Assert.That(exitCode, Is.EqualTo(2), output);
        Assert.That(output.Trim().Split('\n').Select(l => l.Trim()), Is.EqualTo(new[] { message, "See digest ingest --help." }));
        Assert.That(Directory.Exists(dataDir), Is.False, "no database is started for a command that was refused");
    }
}

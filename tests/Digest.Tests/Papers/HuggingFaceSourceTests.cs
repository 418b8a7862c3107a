using System.Diagnostics;
using System.Net;
using Dapper;
using Digest.Papers;
using Digest.Tests.Papers.Harness;

namespace Digest.Tests.Papers;

/// <summary>The Hugging Face daily-papers adapter against fixture days: Friday 09-05, an empty weekend, Monday 09-08.</summary>
public sealed class HuggingFaceSourceTests
{
    FeedServer _feeds = null!;
    PapersHost _host = null!;

    [SetUp]
    public async Task Start()
    {
        _feeds = await FeedServer.StartAsync();
        _feeds.FixtureWeek();
        _host = await PapersHost.StartAsync(_feeds);
    }

    [TearDown]
    public async Task Stop()
    {
        await _host.DisposeAsync();
        await _feeds.DisposeAsync();
    }

    IEnumerable<string> DaysRequested() => _feeds.Requests
        .Where(r => r.Path == "/api/daily_papers")
        .Select(r => System.Web.HttpUtility.ParseQueryString(r.Query)["date"]!);

    [Test]
    public async Task Today_and_the_days_of_the_look_back_are_walked_and_the_good_items_land()
    {
        var report = await _host.IngestAsync(IngestRequest.HuggingFace);

        Assert.That(DaysRequested().Distinct(), Is.EqualTo(new[] { "2025-09-05", "2025-09-06", "2025-09-07", "2025-09-08" }));
        var source = report.Sources.Single();
        Assert.That((source.Fetched, source.New, source.Updated, source.Rejected, source.Failed), Is.EqualTo((7, 4, 1, 2, false)));
        Assert.That((await _host.PapersAsync()).Select(p => p.Id),
            Is.EqualTo(new[] { "2509.00907", "2509.01001", "2509.01002", "2509.01005" }));
    }

    [Test]
    public async Task A_day_is_walked_page_by_page_until_a_short_page()
    {
        _feeds.HuggingFaceDay("2025-09-08", Fixtures.GeneratedDay("2025-09-08", count: 250, pageSize: 100));

        var report = await _host.IngestAsync(new IngestRequest([IngestRequest.HuggingFace], [], new DateOnly(2025, 9, 8), new DateOnly(2025, 9, 8)));

        Assert.That(_feeds.Requests.Select(r => r.Query),
            Is.EqualTo(new[] { "?date=2025-09-08&limit=100&p=0", "?date=2025-09-08&limit=100&p=1", "?date=2025-09-08&limit=100&p=2" }));
        Assert.That(report.Sources.Single().New, Is.EqualTo(250));
    }

    [Test]
    public async Task A_full_last_page_is_followed_by_one_more_request_that_comes_back_empty()
    {
        _feeds.HuggingFaceDay("2025-09-08", Fixtures.GeneratedDay("2025-09-08", count: 200, pageSize: 100));

        await _host.IngestAsync(new IngestRequest([IngestRequest.HuggingFace], [], new DateOnly(2025, 9, 8), new DateOnly(2025, 9, 8)));

        Assert.That(_feeds.Requests, Has.Count.EqualTo(3));
        Assert.That(await _host.PapersAsync(), Has.Count.EqualTo(200));
    }

    [Test]
    public async Task Days_already_seen_are_not_fetched_again_but_today_and_a_day_still_settling_are()
    {
        await _host.IngestAsync(IngestRequest.HuggingFace);
        var first = _feeds.Requests.Count;
        _host.Clock.Advance(TimeSpan.FromHours(1));

        await _host.IngestAsync(IngestRequest.HuggingFace);

        // 09-07 ended at midnight and settles at noon; 09-05 and 09-06 were walked after they settled.
        Assert.That(DaysRequested().Skip(first), Is.EqualTo(new[] { "2025-09-07", "2025-09-08" }));
    }

    [Test]
    public async Task An_explicit_range_walks_every_day_in_it_seen_or_not()
    {
        await _host.IngestAsync(IngestRequest.HuggingFace);
        var first = _feeds.Requests.Count;

        await _host.IngestAsync(new IngestRequest([IngestRequest.HuggingFace], [], new DateOnly(2025, 9, 5), new DateOnly(2025, 9, 6)));

        Assert.That(DaysRequested().Skip(first), Is.EqualTo(new[] { "2025-09-05", "2025-09-06" }));
    }

    [Test]
    public async Task An_empty_weekend_day_is_walked_and_remembered_with_no_papers()
    {
        await _host.IngestAsync(IngestRequest.HuggingFace);

        await using var connection = await _host.DataSource.OpenConnectionAsync();
        var days = (await connection.QueryAsync<(DateTime Day, int Papers)>("SELECT day, papers FROM paper_feed_days ORDER BY day")).ToList();
        Assert.That(days.Select(d => (d.Day.ToString("MM-dd", null), d.Papers)),
            Is.EqualTo(new[] { ("09-05", 2), ("09-06", 0), ("09-07", 0), ("09-08", 5) }));
    }

    [Test]
    public async Task Text_is_normalised_hidden_authors_dropped_and_links_derived_from_the_id()
    {
        await _host.IngestAsync(IngestRequest.HuggingFace);

        var sparse = await _host.PaperAsync("2509.01002");
        Assert.That(sparse.Title, Is.EqualTo("Sparse Attention in $O(n \\log n)$ & Beyond: H2O for Long Contexts"));
        Assert.That(sparse.Abstract, Is.EqualTo(
            "Attention costs grow quadratically with context length. We propose a sparse scheme in $O(n \\log n)$.\n\n" +
            "Experiments on long documents confirm the bound."));
        Assert.That(sparse.Authors, Is.EqualTo(new[] { "Zo\u00eb \u00c5ngstr\u00f6m", "Łukasz Żółtowski", "陈静", "Ольга Смирнова", "Nguyễn Văn An" }));
        Assert.That(sparse.Keywords, Is.EqualTo(new[] { "sparse attention", "long context" }));

        var reward = await _host.PaperAsync("2509.01001");
        Assert.That(reward.Authors, Is.EqualTo(new[] { "Avery Quill", "Morgan Tallis" }), "hidden authors are dropped");
        Assert.That(reward.PageUrl, Is.EqualTo("https://huggingface.co/papers/2509.01001"));
        Assert.That(reward.PdfUrl, Is.EqualTo("https://arxiv.org/pdf/2509.01001"));
        Assert.That(reward.CodeUrl, Is.EqualTo("https://github.com/example/reward-values"));
        Assert.That(reward.PublishedOn, Is.EqualTo(new DateTime(2025, 9, 4)));
        Assert.That(reward.ListedAt, Is.EqualTo(new DateTime(2025, 9, 8, 2, 44, 20, 973, DateTimeKind.Utc)), "submittedOnDailyAt");
        Assert.That((reward.Upvotes, reward.Sources), Is.EqualTo((26, new[] { "huggingface" })));
    }

    [Test]
    public async Task Items_missing_their_id_or_title_are_rejected_with_one_log_line_each_and_the_rest_land()
    {
        await _host.IngestAsync(IngestRequest.HuggingFace);

        var rejections = _host.Logs.Rejections;
        Assert.That(rejections.Select(r => (r["Source"], r["Item"], r["Rule"])), Is.EquivalentTo(new[]
        {
            ("huggingface", "2509.01003", PaperRules.TitleMissing),
            ("huggingface", "2025-09-08 page 0 item 3", PaperRules.IdMissing),
        }));
        Assert.That(rejections.Select(r => r.Level), Has.All.EqualTo(Microsoft.Extensions.Logging.LogLevel.Warning));
        Assert.That(await _host.PapersAsync(), Has.Count.EqualTo(4));
    }

    [Test]
    public async Task A_paper_listed_on_two_days_is_one_row_listed_on_its_first_day_with_the_latest_upvotes()
    {
        await _host.IngestAsync(IngestRequest.HuggingFace);

        var curriculum = await _host.PaperAsync("2509.01005");
        Assert.That(curriculum.ListedAt, Is.EqualTo(new DateTime(2025, 9, 5, 7, 15, 0, DateTimeKind.Utc)));
        Assert.That(curriculum.Upvotes, Is.EqualTo(12));
    }

    [Test]
    public async Task Running_again_changes_nothing()
    {
        await _host.IngestAsync(IngestRequest.HuggingFace);
        var before = await _host.PapersAsync();
        _host.Clock.Advance(TimeSpan.FromMinutes(30));

        var again = await _host.IngestAsync(new IngestRequest([IngestRequest.HuggingFace], [], new DateOnly(2025, 9, 5), new DateOnly(2025, 9, 8)));

        Assert.That((again.Sources.Single().New, again.Sources.Single().Updated), Is.EqualTo((0, 0)));
        Assert.That((await _host.PapersAsync()).Select(p => p.Everything), Is.EqualTo(before.Select(p => p.Everything)), "every column, updated_at included");
    }

    [Test]
    public async Task Upvotes_are_refreshed_on_the_next_run_and_only_the_changed_rows_are_touched()
    {
        await _host.IngestAsync(IngestRequest.HuggingFace);
        var before = (await _host.PapersAsync()).ToDictionary(p => p.Id);
        _feeds.HuggingFaceDay("2025-09-08", Fixtures.Read("huggingface/2025-09-08.json").Replace("\"upvotes\": 26", "\"upvotes\": 31", StringComparison.Ordinal));
        _host.Clock.Advance(TimeSpan.FromHours(1));

        var report = await _host.IngestAsync(IngestRequest.HuggingFace);

        var after = (await _host.PapersAsync()).ToDictionary(p => p.Id);
        Assert.That(report.Sources.Single().Updated, Is.EqualTo(1));
        Assert.That(after["2509.01001"].Upvotes, Is.EqualTo(31));
        Assert.That(after["2509.01001"].UpdatedAt, Is.EqualTo(_host.Clock.GetUtcNow().UtcDateTime));
        Assert.That(after.Values.Select(p => p.Content), Is.EqualTo(before.Values.Select(p => p.Content)), "nothing but upvotes changed");
        Assert.That(after["2509.01002"].Everything, Is.EqualTo(before["2509.01002"].Everything), "an unchanged row keeps its updated_at");
    }

    [Test]
    public async Task Too_many_requests_is_retried_after_the_time_Retry_After_asks_for()
    {
        _feeds.On("/api/daily_papers", q => q["date"] == "2025-09-08",
            Reply.TooManyRequests(retryAfterSeconds: 1),
            Reply.Json(Fixtures.Read("huggingface/2025-09-08.json")));

        var report = await _host.IngestAsync(new IngestRequest([IngestRequest.HuggingFace], [], new DateOnly(2025, 9, 8), new DateOnly(2025, 9, 8)));

        Assert.That(report.Failed, Is.False, string.Join("; ", report.Sources.SelectMany(s => s.Errors)));
        var (first, second) = (_feeds.Requests[0], _feeds.Requests[1]);
        Assert.That(Stopwatch.GetElapsedTime(first.At, second.At), Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(0.95)),
            "the retry waits for Retry-After, not the 10 ms backoff");
        Assert.That(await _host.PapersAsync(), Has.Count.EqualTo(3));
    }

    [Test]
    public async Task A_Retry_After_longer_than_the_limit_is_not_waited_for()
    {
        _feeds.On("/api/daily_papers", _ => true, Reply.TooManyRequests(retryAfterSeconds: 3600));

        var report = await _host.IngestAsync(IngestRequest.HuggingFace);

        Assert.That(_feeds.Requests, Has.Count.EqualTo(1));
        Assert.That(report.Sources.Single().Errors.Single(), Does.Contain("HTTP 429"));
    }

    [TestCase(HttpStatusCode.InternalServerError)]
    [TestCase(HttpStatusCode.BadGateway)]
    [TestCase(HttpStatusCode.ServiceUnavailable)]
    public async Task A_server_error_is_retried_and_the_day_lands(HttpStatusCode status)
    {
        _feeds.On("/api/daily_papers", q => q["date"] == "2025-09-08",
            Reply.Status(status), Reply.Status(status), Reply.Json(Fixtures.Read("huggingface/2025-09-08.json")));

        var report = await _host.IngestAsync(new IngestRequest([IngestRequest.HuggingFace], [], new DateOnly(2025, 9, 8), new DateOnly(2025, 9, 8)));

        Assert.That(_feeds.Requests, Has.Count.EqualTo(3));
        Assert.That((report.Failed, report.Sources.Single().New), Is.EqualTo((false, 3)));
        Assert.That(_host.Logs.Lines.Count(l => l.Message.Contains("retry", StringComparison.Ordinal)), Is.EqualTo(2));
    }

    [TestCase(false, TestName = "A_request_that_hangs_times_out_and_the_retry_gets_the_day")]
    [TestCase(true, TestName = "A_body_that_stalls_after_the_headers_times_out_and_the_retry_gets_the_day")]
    public async Task A_stalled_answer_times_out_and_the_retry_gets_the_day(bool afterTheHeaders)
    {
        await _host.DisposeAsync();
        _host = await PapersHost.StartAsync(_feeds, new Dictionary<string, string?> { ["Papers:Http:AttemptTimeout"] = "00:00:00.300" });
        var day = Fixtures.Read("huggingface/2025-09-08.json");
        _feeds.On("/api/daily_papers", q => q["date"] == "2025-09-08",
            afterTheHeaders ? Reply.Json(day).ThenStall() : Reply.Json("[]").After(TimeSpan.FromSeconds(30)),
            Reply.Json(day));
        var clock = Stopwatch.StartNew();

        var report = await _host.IngestAsync(new IngestRequest([IngestRequest.HuggingFace], [], new DateOnly(2025, 9, 8), new DateOnly(2025, 9, 8)));

        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
        Assert.That((report.Failed, report.Sources.Single().New), Is.EqualTo((false, 3)));
        Assert.That(_host.Logs.Lines.Any(l => l.Message.Contains("timed out after 0.3 s", StringComparison.Ordinal)), Is.True);
    }

    [Test]
    public async Task A_feed_whose_every_body_stalls_ends_the_ingest_within_its_total_limit_with_an_error()
    {
        await _host.DisposeAsync();
        _host = await PapersHost.StartAsync(_feeds, new Dictionary<string, string?>
        {
            ["Papers:Http:AttemptTimeout"] = "00:00:00.400",
            ["Papers:Http:TotalTimeout"] = "00:00:02",
            ["Papers:Http:RetryDelay"] = "00:00:00.050",
        });
        _feeds.On("/api/daily_papers", _ => true, Reply.Json(Fixtures.Read("huggingface/2025-09-08.json")).ThenStall());
        var clock = Stopwatch.StartNew();

        var report = await _host.IngestAsync(new IngestRequest([IngestRequest.HuggingFace], [], new DateOnly(2025, 9, 8), new DateOnly(2025, 9, 8)));

        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(15)), "bounded by the total limit, not by the server");
        Assert.That(report.Failed, Is.True);
        Assert.That(report.Sources.Single().Errors, Has.Some.Contain("timed out"));
    }

    [Test]
    public async Task Malformed_JSON_fails_that_day_only_and_the_day_stays_unseen()
    {
        _feeds.HuggingFaceDay("2025-09-08", """[{"paper": {"id": "2509.01001", "title": "Trunc""");

        var report = await _host.IngestAsync(IngestRequest.HuggingFace);

        var source = report.Sources.Single();
        Assert.That(source.Errors.Single(), Does.StartWith("2025-09-08 page 0: malformed JSON"));
        Assert.That(source.New, Is.EqualTo(2), "Friday still lands");
        await using var connection = await _host.DataSource.OpenConnectionAsync();
        Assert.That(await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM paper_feed_days WHERE day = '2025-09-08'"), Is.Zero);
        Assert.That(_host.Logs.Lines.Single(l => l.Level == Microsoft.Extensions.Logging.LogLevel.Error)["Document"], Is.EqualTo("2025-09-08 page 0"));
    }

    [TestCase("{\"papers\": []}")]
    [TestCase("\"just a string\"")]
    public async Task A_document_that_is_not_an_array_fails_that_day(string body)
    {
        _feeds.HuggingFaceDay("2025-09-08", body);

        var report = await _host.IngestAsync(IngestRequest.HuggingFace);

        Assert.That(report.Sources.Single().Errors.Single(), Does.Contain("expected a JSON array"));
    }

    [Test]
    public async Task An_item_of_the_wrong_shape_is_rejected_and_its_neighbours_land()
    {
        var page = $"[{Fixtures.HuggingFaceItem("2509.03001", "Good Before", "2025-09-08").ToJsonString()}," +
            """{"paper": {"id": "2509.03002", "title": ["not", "a", "string"]}}, 42,""" +
            $"{Fixtures.HuggingFaceItem("2509.03003", "Good After", "2025-09-08").ToJsonString()}]";
        _feeds.HuggingFaceDay("2025-09-08", page);

        var report = await _host.IngestAsync(new IngestRequest([IngestRequest.HuggingFace], [], new DateOnly(2025, 9, 8), new DateOnly(2025, 9, 8)));

        Assert.That((report.Sources.Single().New, report.Sources.Single().Rejected), Is.EqualTo((2, 2)));
        Assert.That(_host.Logs.Rejections.Select(r => (r["Item"], r["Rule"])), Is.EquivalentTo(new[]
        {
            ("2025-09-08 page 0 item 1", PaperRules.Shape),
            ("2025-09-08 page 0 item 2", PaperRules.Shape),
        }));
    }

    [Test]
    public async Task A_very_large_abstract_lands_whole_and_an_absurd_one_is_rejected()
    {
        var large = string.Join(" ", Enumerable.Repeat("attention", 1_900)); // 18,999 characters
        _feeds.HuggingFaceDay("2025-09-08", Fixtures.Page(
        [
            Fixtures.HuggingFaceItem("2509.04001", "Large Abstract", "2025-09-08", summary: large),
            Fixtures.HuggingFaceItem("2509.04002", "Absurd Abstract", "2025-09-08", summary: new string('x', 1_048_576)),
            Fixtures.HuggingFaceItem("2509.04003", "Absurd Author List", "2025-09-08", authors: Enumerable.Range(0, 10_000).Select(i => $"Author {i}")),
        ]));

        await _host.IngestAsync(new IngestRequest([IngestRequest.HuggingFace], [], new DateOnly(2025, 9, 8), new DateOnly(2025, 9, 8)));

        Assert.That((await _host.PaperAsync("2509.04001")).Abstract, Is.EqualTo(large));
        Assert.That(_host.Logs.Rejections.Select(r => (r["Item"], r["Rule"])), Is.EquivalentTo(new[]
        {
            ("2509.04002", PaperRules.TooLong),
            ("2509.04003", PaperRules.TooMany),
        }));
    }

    [Test]
    public async Task The_API_answering_400_for_a_today_it_has_not_reached_is_an_empty_day_not_an_error()
    {
        _feeds.On("/api/daily_papers", q => q["date"] == "2025-09-08", Reply.Status(HttpStatusCode.BadRequest, """{"error":"date in the future"}"""));

        var report = await _host.IngestAsync(IngestRequest.HuggingFace);

        Assert.That(report.Failed, Is.False);
        Assert.That(report.Sources.Single().New, Is.EqualTo(2));
    }
}

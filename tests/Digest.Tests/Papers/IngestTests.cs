using System.Net;
using Digest.Papers;
using Digest.Tests.Papers.Harness;

namespace Digest.Tests.Papers;

/// <summary>A whole run over several sources: one row per paper, the most authoritative text, and failures kept apart.</summary>
public sealed class IngestTests
{
    FeedServer _feeds = null!;
    PapersHost _host = null!;

    [SetUp]
    public async Task Start()
    {
        _feeds = await FeedServer.StartAsync();
        _feeds.FixtureWeek(arxiv: true);
        _host = await PapersHost.StartAsync(_feeds);
    }

    [TearDown]
    public async Task Stop()
    {
        await _host.DisposeAsync();
        await _feeds.DisposeAsync();
    }

    [Test]
    public async Task A_paper_from_Hugging_Face_and_arXiv_is_one_row_with_both_sources_arXivs_text_and_Hugging_Faces_upvotes()
    {
        await _host.IngestAsync(IngestRequest.HuggingFace);
        await _host.IngestAsync(IngestRequest.Arxiv);

        var reward = await _host.PaperAsync("2509.01001");
        Assert.That(reward.Sources, Is.EqualTo(new[] { "arxiv", "huggingface" }));
        Assert.That(reward.Title, Is.EqualTo("Reward Models are Secretly Value Functions"), "arXiv's title");
        Assert.That(reward.Authors, Is.EqualTo(new[] { "Avery Quill", "Hidden Helper", "Morgan Tallis" }), "arXiv's author list");
        Assert.That(reward.Categories, Is.EqualTo(new[] { "cs.LG", "cs.CL" }), "only arXiv has categories");
        Assert.That(reward.Keywords, Is.EqualTo(new[] { "reward model", "preference optimization", "value function" }), "only Hugging Face has keywords");
        Assert.That(reward.CodeUrl, Is.EqualTo("https://github.com/example/reward-values"), "only Hugging Face has a code link");
        Assert.That(reward.Upvotes, Is.EqualTo(26), "arXiv counts no upvotes and does not reset them");
        Assert.That(reward.ListedAt, Is.EqualTo(new DateTime(2025, 9, 4, 21, 26, 31, DateTimeKind.Utc)), "the earliest listing");
        Assert.That(await _host.PapersAsync(), Has.Count.EqualTo(6));
        Assert.That(_host.Logs.Lines.Where(l => l.Level >= Microsoft.Extensions.Logging.LogLevel.Error), Is.Empty);
    }

    [Test]
    public async Task The_order_the_sources_run_in_does_not_change_the_result()
    {
        await _host.IngestAsync(IngestRequest.HuggingFace);
        await _host.IngestAsync(IngestRequest.Arxiv);
        var oneWay = (await _host.PapersAsync()).Select(p => p.AcrossRuns).ToList();

        await using var other = await PapersHost.StartAsync(_feeds);
        await other.IngestAsync(IngestRequest.Arxiv);
        await other.IngestAsync(IngestRequest.HuggingFace);

        Assert.That((await other.PapersAsync()).Select(p => p.AcrossRuns), Is.EqualTo(oneWay));
    }

    [Test]
    public async Task Running_every_source_again_changes_nothing_at_all()
    {
        await _host.IngestAsync(IngestRequest.Scheduled);
        var before = (await _host.PapersAsync()).Select(p => p.Everything).ToList();
        _host.Clock.Advance(TimeSpan.FromMinutes(10));

        var again = await _host.IngestAsync(new IngestRequest([], [], new DateOnly(2025, 9, 5), new DateOnly(2025, 9, 8)));

        Assert.That(again.Sources.Select(s => (s.Source, s.New, s.Updated)), Is.EquivalentTo(new[] { ("huggingface", 0, 0), ("arxiv", 0, 0) }));
        Assert.That((await _host.PapersAsync()).Select(p => p.Everything), Is.EqualTo(before));
    }

    [Test]
    public async Task A_source_that_keeps_failing_is_reported_and_the_other_sources_still_land()
    {
        _feeds.On("/api/daily_papers", _ => true, Reply.Status(HttpStatusCode.ServiceUnavailable));

        var report = await _host.IngestAsync(IngestRequest.Scheduled);

        var huggingFace = report.Sources.Single(s => s.Source == "huggingface");
        Assert.That(huggingFace.Errors.Single(), Does.Contain("HTTP 503"));
        Assert.That(_feeds.CountOf("/api/daily_papers"), Is.EqualTo(4), "one request and three retries, then the source stops");
        Assert.That(report.Sources.Single(s => s.Source == "arxiv").New, Is.EqualTo(3));
        Assert.That(await _host.PapersAsync(), Has.Count.EqualTo(3));
    }

    [Test]
    public async Task After_repeated_failures_the_circuit_is_open_and_the_next_run_sends_nothing_until_it_closes()
    {
        _feeds.On("/api/daily_papers", _ => true, Reply.Status(HttpStatusCode.InternalServerError));
        await _host.IngestAsync(IngestRequest.HuggingFace);
        var sent = _feeds.Requests.Count;

        var second = await _host.IngestAsync(IngestRequest.HuggingFace);

        Assert.That(_feeds.Requests, Has.Count.EqualTo(sent), "no request while the circuit is open");
        Assert.That(second.Sources.Single().Errors.Single(), Does.Contain("circuit is open"));
        Assert.That(_host.Logs.Lines.Count(l => l.Message.Contains("circuit opened", StringComparison.Ordinal)), Is.EqualTo(1));

        _feeds.HuggingFaceDay("2025-09-08", Fixtures.Read("huggingface/2025-09-08.json"));
        _feeds.On("/api/daily_papers", q => q["date"] != "2025-09-08", Reply.Json("[]"));
        _host.Clock.Advance(TimeSpan.FromMinutes(6)); // past Papers:Http:BreakDuration

        var third = await _host.IngestAsync(IngestRequest.HuggingFace);

        Assert.That((third.Failed, third.Sources.Single().New), Is.EqualTo((false, 3)));
    }

    [Test]
    public async Task A_source_that_cannot_be_reached_at_all_fails_quickly_and_clearly()
    {
        var closed = Digest.TestSupport.FreePort.Next();
        await _host.DisposeAsync();
        _host = await PapersHost.StartAsync(_feeds, new Dictionary<string, string?>
        {
            ["Papers:HuggingFace:BaseUrl"] = $"http://127.0.0.1:{closed}/",
        });

        var report = await _host.IngestAsync(IngestRequest.Scheduled);

        Assert.That(report.Sources.Single(s => s.Source == "huggingface").Errors.Single(), Does.Contain("failed").And.Contain($"127.0.0.1:{closed}"));
        Assert.That(report.Sources.Single(s => s.Source == "arxiv").New, Is.EqualTo(3));
    }

    [Test]
    public async Task With_papers_offline_no_remote_source_is_asked_and_naming_one_is_an_error()
    {
        await _host.DisposeAsync();
        _host = await PapersHost.StartAsync(_feeds, new Dictionary<string, string?> { ["Papers:Offline"] = "true" });

        var report = await _host.IngestAsync(IngestRequest.Scheduled);

        Assert.That((report.Sources, _feeds.Requests), Is.EqualTo((Array.Empty<SourceReport>(), Array.Empty<Received>())));
        var error = Assert.ThrowsAsync<IngestRequestException>(() => _host.IngestAsync(IngestRequest.Arxiv));
        Assert.That(error!.Message, Is.EqualTo("arxiv is off: Papers:Offline is true."));
    }

    [TestCase("2025-09-09", null, "--to 2025-09-09 is in the future (today is 2025-09-08 UTC).")]
    [TestCase("2025-09-08", "2025-09-01", "--from 2025-09-08 is after --to 2025-09-01.")]
    [TestCase("2024-01-01", "2025-09-01", "--from 2024-01-01 --to 2025-09-01 spans more than 366 days; ingest a long history in parts.")]
    public void A_window_that_cannot_be_ingested_is_refused_before_anything_is_fetched(string from, string? to, string message)
    {
        var window = to is null
            ? new IngestRequest([], [], To: DateOnly.Parse(from, System.Globalization.CultureInfo.InvariantCulture))
            : new IngestRequest([], [], DateOnly.Parse(from, System.Globalization.CultureInfo.InvariantCulture), DateOnly.Parse(to, System.Globalization.CultureInfo.InvariantCulture));

        var error = Assert.ThrowsAsync<IngestRequestException>(() => _host.IngestAsync(window));

        Assert.That(error!.Message, Is.EqualTo(message));
        Assert.That(_feeds.Requests, Is.Empty);
    }
}

using System.Diagnostics;
using System.Net;
using System.Web;
using Digest.Papers;
using Digest.Tests.Papers.Harness;

namespace Digest.Tests.Papers;

/// <summary>The arXiv API adapter against fixture Atom pages (two results a page, three in all).</summary>
public sealed class ArxivSourceTests
{
    FeedServer _feeds = null!;
    PapersHost _host = null!;

    [SetUp]
    public async Task Start()
    {
        _feeds = await FeedServer.StartAsync();
        _host = await PapersHost.StartAsync(_feeds);
    }

    [TearDown]
    public async Task Stop()
    {
        await _host.DisposeAsync();
        await _feeds.DisposeAsync();
    }

    async Task<IngestReport> RestartWithAsync(IReadOnlyDictionary<string, string?> settings)
    {
        await _host.DisposeAsync();
        _host = await PapersHost.StartAsync(_feeds, settings, connectionString: _host.ConnectionString);
        return await _host.IngestAsync(IngestRequest.Arxiv);
    }

    [Test]
    public async Task Every_page_of_the_window_is_read_with_the_categories_and_dates_in_the_query()
    {
        _feeds.ArxivPages(Fixtures.Read("arxiv/page-0.xml"), Fixtures.Read("arxiv/page-1.xml"));

        var report = await _host.IngestAsync(IngestRequest.Arxiv);

        var queries = _feeds.Requests.Select(r => HttpUtility.ParseQueryString(r.Query)).ToList();
        Assert.That(queries.Select(q => (q["start"], q["max_results"])), Is.EqualTo(new[] { ("0", "2"), ("2", "2") }));
        Assert.That(queries[0]["search_query"], Is.EqualTo("(cat:cs.CL OR cat:cs.LG) AND submittedDate:[202509050000 TO 202509082359]"));
        Assert.That((queries[0]["sortBy"], queries[0]["sortOrder"]), Is.EqualTo(("submittedDate", "descending")));
        Assert.That(_feeds.Requests[0].Query, Does.Contain("search_query=%28cat%3Acs.CL+OR+cat%3Acs.LG%29+AND+"), "spaces as '+', as the API documents");
        Assert.That((report.Sources.Single().Fetched, report.Sources.Single().New), Is.EqualTo((3, 3)));
    }

    [Test]
    public async Task Entries_are_stored_without_their_version_primary_category_first_and_all_authors_in_order()
    {
        _feeds.ArxivPages(Fixtures.Read("arxiv/page-0.xml"), Fixtures.Read("arxiv/page-1.xml"));

        await _host.IngestAsync(IngestRequest.Arxiv);

        var reward = await _host.PaperAsync("2509.01001");
        Assert.That(reward.Title, Is.EqualTo("Reward Models are Secretly Value Functions"));
        Assert.That(reward.Abstract, Is.EqualTo("We show that a reward model trained on preference pairs implicitly learns a value function, and use it for direct preference optimization without a reference model."));
        Assert.That(reward.Categories, Is.EqualTo(new[] { "cs.LG", "cs.CL" }));
        Assert.That(reward.Authors, Is.EqualTo(new[] { "Avery Quill", "Hidden Helper", "Morgan Tallis" }));
        Assert.That((reward.PageUrl, reward.PdfUrl), Is.EqualTo(("http://arxiv.org/abs/2509.01001", "http://arxiv.org/pdf/2509.01001")));
        Assert.That((reward.PublishedOn, reward.ListedAt), Is.EqualTo((new DateTime(2025, 9, 4), new DateTime(2025, 9, 4, 21, 26, 31, DateTimeKind.Utc))));
        Assert.That((reward.Upvotes, reward.Sources), Is.EqualTo((0, new[] { "arxiv" })));

        Assert.That((await _host.PaperAsync("2509.10002")).Title, Is.EqualTo("Scaling $\\mathcal{O}(n)$ State Spaces for Speech"));
        Assert.That((await _host.PaperAsync("2509.10003")).Authors, Is.EqualTo(new[] { "Björn Þórsson", "Amélie Dubois-Lefèvre", "محمد العلي" }));
    }

    [Test]
    public async Task A_new_version_updates_the_paper_in_place_and_it_stays_first_seen_when_it_was()
    {
        _feeds.ArxivPages(Fixtures.Read("arxiv/page-0.xml"), Fixtures.Read("arxiv/page-1.xml"));
        await _host.IngestAsync(IngestRequest.Arxiv);
        var v1 = await _host.PaperAsync("2509.10002");
        _host.Clock.Advance(TimeSpan.FromDays(1));
        _feeds.ArxivPages(Fixtures.Read("arxiv/v2.xml"));

        var report = await _host.IngestAsync(IngestRequest.Arxiv);

        var v2 = await _host.PaperAsync("2509.10002");
        Assert.That(report.Sources.Single().Updated, Is.EqualTo(1));
        Assert.That(v2.Title, Is.EqualTo("Scaling $\\mathcal{O}(n)$ State Spaces for Speech and Music"));
        Assert.That(v2.Authors, Is.EqualTo(new[] { "Priya Raman", "Tomás Oyelaran" }));
        Assert.That((v2.FirstSeenAt, v2.ListedAt, v2.PageUrl), Is.EqualTo((v1.FirstSeenAt, v1.ListedAt, v1.PageUrl)));
        Assert.That(v2.UpdatedAt, Is.EqualTo(_host.Clock.GetUtcNow().UtcDateTime));
        Assert.That(await _host.PapersAsync(), Has.Count.EqualTo(3), "v1 and v2 are one paper");
    }

    [Test]
    public async Task An_error_answer_fails_the_source_with_arXivs_own_message()
    {
        _feeds.On("/api/query", _ => true, Reply.Status(HttpStatusCode.BadRequest, Fixtures.Read("arxiv/error.xml")) with { ContentType = "application/atom+xml" });

        var report = await _host.IngestAsync(IngestRequest.Arxiv);

        Assert.That(report.Sources.Single().Errors.Single(), Does.Contain("HTTP 400").And.Contain("incorrect id format for 1234.12345"));
        Assert.That(_feeds.Requests, Has.Count.EqualTo(1), "a 400 is not retried");
    }

    [Test]
    public async Task An_error_feed_answered_with_200_fails_the_source_too()
    {
        _feeds.ArxivPages(Fixtures.Read("arxiv/error.xml"));

        var report = await _host.IngestAsync(IngestRequest.Arxiv);

        Assert.That(report.Sources.Single().Errors.Single(), Does.Contain("arXiv answered an error: incorrect id format"));
        Assert.That(await _host.PapersAsync(), Is.Empty);
    }

    [TestCase("<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><title>Unclosed", "malformed XML")]
    [TestCase("{\"not\": \"xml\"}", "malformed XML")]
    [TestCase("<rss version=\"2.0\"><channel/></rss>", "expected an Atom feed")]
    [TestCase("<!DOCTYPE feed [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><feed xmlns=\"http://www.w3.org/2005/Atom\">&x;</feed>", "malformed XML")]
    public async Task A_document_that_is_not_an_Atom_feed_fails_the_source_and_stores_nothing(string body, string error)
    {
        _feeds.ArxivPages(body);

        var report = await _host.IngestAsync(IngestRequest.Arxiv);

        Assert.That(report.Sources.Single().Errors.Single(), Does.Contain(error));
        Assert.That(await _host.PapersAsync(), Is.Empty);
    }

    [Test]
    public async Task A_malformed_second_page_stops_the_paging_after_the_first_page_landed()
    {
        _feeds.ArxivPages(Fixtures.Read("arxiv/page-0.xml"), "<feed");

        var report = await _host.IngestAsync(IngestRequest.Arxiv);

        Assert.That((report.Sources.Single().New, report.Failed), Is.EqualTo((2, true)));
        Assert.That(_feeds.Requests, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task An_entry_with_a_broken_date_is_rejected_and_its_neighbours_land()
    {
        var broken = Fixtures.AtomEntry("2509.30002v1", "Broken Date").Replace("<published>2025-09-07T10:00:00Z</published>", "<published>yesterday</published>", StringComparison.Ordinal);
        _feeds.ArxivPages(Fixtures.AtomPage(3, 0, [Fixtures.AtomEntry("2509.30001v1", "First"), broken]), Fixtures.AtomPage(3, 2, [Fixtures.AtomEntry("2509.30003v1", "Third")]));

        var report = await _host.IngestAsync(IngestRequest.Arxiv);

        Assert.That((report.Sources.Single().New, report.Sources.Single().Rejected), Is.EqualTo((2, 1)));
        Assert.That(_host.Logs.Rejections.Single()["Item"], Is.EqualTo("results 0-1 entry 1"));
    }

    [Test]
    public async Task Requests_are_spaced_by_the_request_interval_retries_included()
    {
        _feeds.On("/api/query", q => q["start"] == "0", Reply.Status(HttpStatusCode.ServiceUnavailable), Reply.Xml(Fixtures.Read("arxiv/page-0.xml")));
        _feeds.On("/api/query", q => q["start"] == "2", Reply.Xml(Fixtures.Read("arxiv/page-1.xml")));

        var report = await RestartWithAsync(new Dictionary<string, string?> { ["Papers:Arxiv:RequestInterval"] = "00:00:00.300" });

        Assert.That(report.Sources.Single().New, Is.EqualTo(3));
        var arrivals = _feeds.Requests.Select(r => r.At).ToList();
        Assert.That(arrivals, Has.Count.EqualTo(3));
        var gaps = arrivals.Zip(arrivals.Skip(1), (a, b) => Stopwatch.GetElapsedTime(a, b));
        Assert.That(gaps, Has.All.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(295)));
    }

    [Test]
    public async Task A_window_larger_than_the_run_limit_stops_there_and_says_so()
    {
        _feeds.ArxivPages(
            Fixtures.AtomPage(10, 0, [Fixtures.AtomEntry("2509.40001v1", "One"), Fixtures.AtomEntry("2509.40002v1", "Two")]),
            Fixtures.AtomPage(10, 2, [Fixtures.AtomEntry("2509.40003v1", "Three"), Fixtures.AtomEntry("2509.40004v1", "Four")]));

        var report = await RestartWithAsync(new Dictionary<string, string?> { ["Papers:Arxiv:MaxResultsPerRun"] = "4" });

        Assert.That(report.Sources.Single().New, Is.EqualTo(4));
        Assert.That(report.Sources.Single().Errors.Single(), Does.Contain("Papers:Arxiv:MaxResultsPerRun"));
    }
}

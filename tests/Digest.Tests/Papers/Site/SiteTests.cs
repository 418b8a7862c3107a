using System.Net;
using System.Net.Http.Headers;
using System.Xml.Linq;
using Dapper;
using Digest.TestSupport;
using Npgsql;

namespace Digest.Tests.Papers.Site;

/// <summary>The papers site over HTTP against the real service and PostgreSQL: days, papers, search, feeds, caching.</summary>
public sealed class SiteTests
{
    string _connectionString = "";
    DigestApp _app = null!;
    HttpClient _client = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _connectionString = await TestPostgres.CreateDatabaseAsync();
        _app = new DigestApp(_connectionString, new Dictionary<string, string?>
        {
            ["Digest:PublicUrl"] = "https://digest.example/",
            ["Subscriptions:RequestsPerClientPerMinute"] = "100000",
            // These tests change papers and look at the pages at once; the others keep the default.
            ["Papers:PagesCacheFor"] = "00:00:00",
        });
        _client = _app.CreateClient(new() { AllowAutoRedirect = false });
        await SiteWeek.InsertAsync(_connectionString);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    [Test]
    public async Task The_home_page_lists_the_latest_day_ranked_by_upvotes_and_leads_to_subscribe()
    {
        var html = await PageAsync("/");

        Assert.That(html, Does.Contain("Get trending papers in your inbox").And.Contain("href=\"/subscribe\">Subscribe</a>"));
        Assert.That(html, Does.Contain("<time datetime=\"2025-09-08\">Monday, September 8, 2025</time>"));
        Assert.That(html, Does.Contain("12 papers, ranked by upvotes"));
        var titles = Titles(html);
        Assert.That(titles, Has.Count.EqualTo(12));
        Assert.That(titles.Take(3), Is.EqualTo(new[] { SiteWeek.TopTitle, "Sparse Attention in O(n log n) and Beyond", "Diffusion Planners for Robot Manipulation" }));
        Assert.That(Upvotes(html), Is.Ordered.Descending);
        Assert.That(html, Does.Contain("6 authors: A. Author, B. Author, C. Author et al."));
        Assert.That(html, Does.Contain("<details class=\"abstract\">"), "the abstract opens in place");
        Assert.That(html, Does.Contain("href=\"https://arxiv.org/abs/2509.01001\">arXiv</a>").And.Contain("href=\"https://arxiv.org/pdf/2509.01001\">PDF</a>")
            .And.Contain("href=\"https://huggingface.co/papers/2509.01001\">Hugging Face</a>").And.Contain("href=\"https://github.com/example/reward-values\">Code</a>"));
        Assert.That(Decoded(html), Does.Contain("<a class=\"chip\" href=\"/search?q=%22reward%20model%22\">reward model</a>").And.Contain("cs.LG"));
        Assert.That(html, Does.Contain("href=\"/papers/2025-09-05\" rel=\"prev\""), "the previous day with papers");
    }

    [Test]
    public async Task A_day_links_to_the_nearest_days_with_papers_on_either_side()
    {
        var html = await PageAsync("/papers/2025-09-05");

        Assert.That(html, Does.Contain("<h1 class=\"day-title\">Papers of <time datetime=\"2025-09-05\">Friday, September 5, 2025</time></h1>"));
        Assert.That(Titles(html), Has.Count.EqualTo(10));
        Assert.That(html, Does.Contain("href=\"/papers/2025-09-04\" rel=\"prev\"").And.Contain("href=\"/papers/2025-09-08\" rel=\"next\""), "over the weekend");
        Assert.That(html, Does.Contain("<input id=\"date\" name=\"date\" type=\"date\" value=\"2025-09-05\" required>"));
    }

    [Test]
    public async Task An_empty_day_says_so_and_links_to_the_nearest_days_with_papers()
    {
        var html = await PageAsync("/papers/2025-09-06");

        Assert.That(html, Does.Contain("No papers were listed on Saturday, September 6, 2025."));
        Assert.That(html, Does.Contain("The nearest earlier day with papers: <a href=\"/papers/2025-09-05\">Fri, Sep 5, 2025</a>."));
        Assert.That(html, Does.Contain("The nearest later day with papers: <a href=\"/papers/2025-09-08\">Mon, Sep 8, 2025</a>."));
        Assert.That(Titles(html), Is.Empty);
    }

    [Test]
    public async Task The_date_picker_goes_to_the_day_it_names()
    {
        using var picked = await _client.GetAsync(new Uri("/papers?date=2025-09-04", UriKind.Relative));
        using var none = await _client.GetAsync(new Uri("/papers", UriKind.Relative));

        Assert.That(picked.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(picked.Headers.Location?.OriginalString, Is.EqualTo("/papers/2025-09-04"));
        Assert.That(none.Headers.Location?.OriginalString, Is.EqualTo("/"));
    }

    [TestCase("/papers/2025-02-30", HttpStatusCode.BadRequest, "is not a date")]
    [TestCase("/papers/2025-9-8", HttpStatusCode.BadRequest, "is not a date")]
    [TestCase("/papers/1066-10-14", HttpStatusCode.BadRequest, "the days go from 1991")]
    [TestCase("/papers?date=yesterday", HttpStatusCode.BadRequest, "is not a date")]
    [TestCase("/papers/2509.99999", HttpStatusCode.NotFound, "No such paper")]
    [TestCase("/papers/not-an-id", HttpStatusCode.NotFound, "No such paper")]
    [TestCase("/search?q=author:", HttpStatusCode.BadRequest, "needs a value")]
    [TestCase("/search?q=the%20and%20of", HttpStatusCode.BadRequest, "only words the search ignores")]
    [TestCase("/search?q=-video", HttpStatusCode.BadRequest, "only excludes words")]
    [TestCase("/search/feed?q=category:nope%20x", HttpStatusCode.BadRequest, "is not an arXiv category")]
    public async Task Bad_input_gets_a_page_that_says_what_is_wrong(string path, HttpStatusCode status, string says)
    {
        using var response = await _client.GetAsync(new Uri(path, UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(status), html);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
        Assert.That(html, Does.Contain(says));
    }

    [Test]
    public async Task A_paper_page_shows_the_whole_paper_and_subscribes_to_papers_like_it()
    {
        var html = await PageAsync("/papers/" + SiteWeek.TopPaper);

        Assert.That(html, Does.Contain($"<h1 class=\"paper-title\">{SiteWeek.TopTitle}</h1>"));
        Assert.That(html, Does.Contain("<li>F. Author</li>"), "every author");
        Assert.That(html, Does.Contain("This explains why best-of-n sampling works"), "the whole abstract");
        Assert.That(html, Does.Contain("listed on <a href=\"/papers/2025-09-08\">"));
        const string Topic = "\"reward model\" or \"preference optimization\" or \"value function\"";
        Assert.That(Decoded(html), Does.Contain("href=\"/subscribe?topic=" + Uri.EscapeDataString(Topic) + "\">Subscribe to papers like this</a>"));
        Assert.That(await MatchesAsync(Topic, SiteWeek.TopPaper), Is.True, "the topic matches the paper it came from");
    }

    [Test]
    public async Task A_paper_without_keywords_is_subscribed_to_by_the_words_of_its_title()
    {
        var (id, title) = await FirstAsync<(string, string)>("SELECT id, title FROM papers WHERE title LIKE 'DisCO:%'");

        var html = await PageAsync("/papers/" + id);

        Assert.That(html, Does.Contain(title));
        Assert.That(html, Does.Contain("<code>reinforcing large reasoning</code>"), "what follows the colon, its content words");
        Assert.That(await MatchesAsync("reinforcing large reasoning", id), Is.True);
    }

    [Test]
    public async Task An_id_written_another_way_redirects_to_the_paper()
    {
        using var response = await _client.GetAsync(new Uri("/papers/2509.01001v3", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.MovedPermanently));
        Assert.That(response.Headers.Location?.OriginalString, Is.EqualTo("/papers/2509.01001"));
    }

    [TestCase("diffusion")]
    [TestCase("\"fine-tuning\" -language")]
    [TestCase("reward or attention")]
    [TestCase("author:\"b. author\" reward")]
    [TestCase("category:cs.CL attention")]
    [TestCase("reward or diffusion upvotes:12")]
    public async Task Search_finds_exactly_what_the_digest_would_match_ranked_as_it_ranks(string query)
    {
        var html = await PageAsync("/search?q=" + Uri.EscapeDataString(query));

        var expected = await TitlesMatchingAsync(query);
        Assert.That(expected, Is.Not.Empty, "a search that finds something");
        Assert.That(Titles(html), Is.EqualTo(expected));
        Assert.That(html, Does.Contain("Subscribe to this search</a>"));
        Assert.That(Decoded(html), Does.Contain("href=\"/subscribe?topic=" + Uri.EscapeDataString(Subscriptions.Filters.TopicSearch.ReadSyntax(query).Topic!.ToString()) + "\""));
    }

    [Test]
    public async Task Subscribe_to_this_search_fills_the_form_with_the_search()
    {
        var html = await PageAsync("/search?q=" + Uri.EscapeDataString("Reward  Models category:CS.lg"));
        var link = System.Text.RegularExpressions.Regex.Match(Decoded(html), "href=\"(?<url>/subscribe\\?topic=[^\"]+)\">Subscribe to this search").Groups["url"].Value;

        var form = await PageAsync(link);

        Assert.That(form, Does.Contain(">reward models category:cs.LG</textarea>"));
    }

    [Test]
    public async Task Day_and_paper_pages_carry_validators_and_answer_304_when_nothing_changed()
    {
        foreach (var path in new[] { "/", "/papers/2025-09-05", "/papers/" + SiteWeek.TopPaper, "/papers/feed" })
        {
            using var first = await _client.GetAsync(new Uri(path, UriKind.Relative));
            var etag = first.Headers.ETag;
            var modified = first.Content.Headers.LastModified;
            Assert.That(etag, Is.Not.Null, path);
            Assert.That(modified, Is.Not.Null, path);

            using var byTag = await GetAsync(path, r => r.Headers.IfNoneMatch.Add(etag!));
            using var byDate = await GetAsync(path, r => r.Headers.IfModifiedSince = modified);
            using var stale = await GetAsync(path, r => r.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"other\"")));

            Assert.That(byTag.StatusCode, Is.EqualTo(HttpStatusCode.NotModified), path);
            Assert.That(byDate.StatusCode, Is.EqualTo(HttpStatusCode.NotModified), path);
            Assert.That(stale.StatusCode, Is.EqualTo(HttpStatusCode.OK), path);
        }
    }

    [Test]
    public async Task An_upvote_changes_the_pages_validators()
    {
        const string Path = "/papers/2509.01003";
        using var before = await _client.GetAsync(new Uri(Path, UriKind.Relative));

        await ExecuteAsync("UPDATE papers SET upvotes = upvotes + 1, updated_at = now() + interval '2 seconds' WHERE id = '2509.01003'");
        using var after = await GetAsync(Path, r => r.Headers.IfNoneMatch.Add(before.Headers.ETag!));

        Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(after.Headers.ETag, Is.Not.EqualTo(before.Headers.ETag));
        Assert.That(after.Content.Headers.LastModified, Is.GreaterThan(before.Content.Headers.LastModified!.Value));
        Assert.That(await after.Content.ReadAsStringAsync(), Does.Contain("13 upvotes"));
    }

    [Test]
    public async Task The_feeds_are_atom_with_absolute_links_to_the_paper_pages()
    {
        var day = await FeedAsync("/papers/feed");
        var search = await FeedAsync("/search/feed?q=diffusion");

        XNamespace atom = "http://www.w3.org/2005/Atom";
        Assert.That(day.Root!.Name, Is.EqualTo(atom + "feed"));
        var entries = day.Root.Elements(atom + "entry").ToList();
        Assert.That(entries, Has.Count.EqualTo(12));
        Assert.That(entries[0].Element(atom + "title")!.Value, Is.EqualTo(SiteWeek.TopTitle));
        Assert.That(entries[0].Element(atom + "link")!.Attribute("href")!.Value, Is.EqualTo("https://digest.example/papers/2509.01001"));
        Assert.That(entries[0].Elements(atom + "author").Count(), Is.EqualTo(6));
        Assert.That(entries.All(e => e.Element(atom + "id") is not null && e.Element(atom + "updated") is not null), Is.True);
        Assert.That(search.Root!.Element(atom + "title")!.Value, Is.EqualTo("Digest — papers matching diffusion"));
        Assert.That(search.Root.Elements(atom + "entry").Select(e => e.Element(atom + "title")!.Value), Is.EqualTo(await TitlesMatchingAsync("diffusion")));
    }

    async Task<XDocument> FeedAsync(string path)
    {
        using var response = await _client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), path);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/atom+xml"));
        return XDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    async Task<string> PageAsync(string path)
    {
        using var response = await _client.GetAsync(new Uri(path, UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"{path}: {html}");
        return html;
    }

    async Task<HttpResponseMessage> GetAsync(string path, Action<HttpRequestMessage> conditions)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        conditions(request);
        return await _client.SendAsync(request);
    }

    /// <summary>The page as a browser reads its attributes (Handlebars writes "=" in an href as "&amp;#x3D;").</summary>
    static string Decoded(string html) => WebUtility.HtmlDecode(html);

    /// <summary>The titles the search shows, in order (HTML-decoded).</summary>
    static List<string> Titles(string html) =>
        System.Text.RegularExpressions.Regex.Matches(html, "<h3 class=\"paper-title\"><a href=\"[^\"]+\">(?<title>[^<]+)</a></h3>")
            .Select(m => WebUtility.HtmlDecode(m.Groups["title"].Value)).ToList();

    static List<int> Upvotes(string html) =>
        System.Text.RegularExpressions.Regex.Matches(html, "</span> (?<n>[0-9,]+) upvotes?</span>")
            .Select(m => int.Parse(m.Groups["n"].Value.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture)).ToList();

    /// <summary>The digest's own definition, asked directly: the topic as the subscribe form stores it, paper_matches_topic, upvotes then text rank.</summary>
    async Task<List<string>> TitlesMatchingAsync(string query)
    {
        var topic = Subscriptions.Filters.TopicSearch.ReadSyntax(query).Topic!;
        await using var connection = new NpgsqlConnection(_connectionString);
        return (await connection.QueryAsync<string>("""
            SELECT p.title FROM papers p, websearch_to_tsquery('english', @Query) q
            WHERE paper_matches_topic(p, q, @Author, @Category, @MinUpvotes)
            ORDER BY p.upvotes DESC, ts_rank(p.search, q) DESC, p.listed_at DESC, p.id
            """, new { topic.Query, topic.Author, topic.Category, topic.MinUpvotes })).ToList();
    }

    async Task<bool> MatchesAsync(string query, string id)
    {
        var topic = Subscriptions.Filters.TopicSearch.ReadSyntax(query).Topic!;
        return await FirstAsync<bool>("""
            SELECT paper_matches_topic(p, websearch_to_tsquery('english', @Query), @Author, @Category, @MinUpvotes) FROM papers p WHERE p.id = @id
            """, new { topic.Query, topic.Author, topic.Category, topic.MinUpvotes, id });
    }

    async Task<T> FirstAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        return await connection.QueryFirstAsync<T>(sql, parameters);
    }

    async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.ExecuteAsync(sql);
    }
}

using System.Net;
using Dapper;
using Digest.Digests;
using Digest.Subscriptions.Links;
using Digest.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Digest.Tests.Digests;

/// <summary>/issues/{token}, the view-in-browser page, against the real service and PostgreSQL.</summary>
public sealed class IssuePageTests
{
    string _connectionString = "";
    string _dataFolder = "";
    DigestApp _app = null!;
    HttpClient _client = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _connectionString = await TestPostgres.CreateDatabaseAsync();
        _dataFolder = Directory.CreateTempSubdirectory("digest-issue-tests-").FullName;
        _app = new DigestApp(_connectionString, new Dictionary<string, string?>
        {
            ["Digest:DataDir"] = _dataFolder,
            ["Digest:PublicUrl"] = "https://digest.example/",
            ["Subscriptions:RequestsPerClientPerMinute"] = "100000",
        });
        _client = _app.CreateClient(new() { AllowAutoRedirect = false });
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.ExecuteAsync("""
            INSERT INTO papers (id, title, abstract, authors, page_url, pdf_url, code_url, upvotes, listed_at) VALUES
            ('2511.00001', 'First by rank', 'About the first.', '{"Ada Lovelace"}', 'https://hf.example/2511.00001', NULL, NULL, 40, now()),
            ('2511.00002', 'Second by rank <b>bold</b>', 'About the second.', '{}', NULL, 'https://arxiv.example/pdf/2511.00002', 'https://code.example/2', 3, now()),
            ('2511.00003', 'Third by rank', '', '{}', NULL, NULL, NULL, 0, now())
            """);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
        Directory.Delete(_dataFolder, recursive: true);
    }

    [Test]
    public async Task A_valid_link_shows_the_issue_papers_in_its_order()
    {
        // The issue's order, not the papers' ids; 2511.09999 was never stored (or is gone) and is skipped.
        var issue = await IssueAsync("""[{"id":"2511.00003","topics":["agents"]},{"id":"2511.09999","topics":["rlhf"]},{"id":"2511.00001","topics":["rlhf"]},{"id":"2511.00002","topics":["rlhf","agents"]}]""");

        using var response = await _client.GetAsync(await ViewPathAsync(issue));
        var html = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), html);
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/html"));
        var third = html.IndexOf("Third by rank", StringComparison.Ordinal);
        var first = html.IndexOf("First by rank", StringComparison.Ordinal);
        var second = html.IndexOf("Second by rank &lt;b&gt;bold&lt;/b&gt;", StringComparison.Ordinal);
        Assert.That(new[] { third, first, second }, Is.All.GreaterThan(0), html);
        Assert.That(new[] { third, first, second }, Is.Ordered, html);
        Assert.That(html, Does.Contain("3 new papers on agents, rlhf"), "a tie: the topic of the higher-ranked paper first");
        Assert.That(html, Does.Contain("because you follow: diffusion models, agents author:&quot;grace hopper&quot; category:cs.AI upvotes:5."));
        Assert.That(html, Does.Not.Contain("/manage/").And.Not.Contain("/unsubscribe/"), "a forwarded copy grants no rights");
        Assert.That(html, Does.Contain("This is a shareable copy"));
        Assert.That(html, Does.Not.Contain("View in browser"));
        Assert.That(response.Headers.GetValues("Referrer-Policy"), Is.EqualTo(new[] { "no-referrer" }));
        Assert.That(string.Join(";", response.Headers.GetValues("Content-Security-Policy")), Does.Contain("default-src 'none'").And.Not.Contain("script-src"));
        Assert.That(response.Headers.CacheControl!.NoStore, Is.True);
    }

    [TestCase("paused")]
    [TestCase("unsubscribed")]
    public async Task A_subscriber_who_stopped_the_mail_can_still_read_what_was_sent(string status)
    {
        var issue = await IssueAsync("""[{"id":"2511.00001","topics":["rlhf"]}]""", status);

        using var response = await _client.GetAsync(await ViewPathAsync(issue));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [TestCase("forged")]
    [TestCase("manage token")]
    [TestCase("unsubscribe token")]
    [TestCase("after new links")]
    [TestCase("subscriber deleted")]
    [TestCase("no such issue")]
    [TestCase("malformed")]
    public async Task A_link_that_does_not_work_gets_the_same_not_found_page(string how)
    {
        var issue = await IssueAsync("""[{"id":"2511.00001","topics":["rlhf"]}]""");
        var valid = await ViewPathAsync(issue);
        var links = _app.Services.GetRequiredService<SubscriptionLinks>();
        var path = how switch
        {
            "forged" => valid[..^2] + (valid[^2] == 'A' ? "B" : "A") + valid[^1],
            // Tokens of another purpose for the same id: only the purpose in the MAC tells them apart.
            "manage token" => "/issues/" + (await links.ForSubscriberAsync(issue.Id, 1)).Manage.Segments[^1],
            "unsubscribe token" => "/issues/" + (await links.ForSubscriberAsync(issue.Id, 1)).Unsubscribe.Segments[^1],
            "after new links" => await ExecuteAsync("UPDATE subscribers SET link_generation = link_generation + 1 WHERE id = @SubscriberId", issue, valid),
            "subscriber deleted" => await ExecuteAsync("DELETE FROM subscribers WHERE id = @SubscriberId", issue, valid),
            "no such issue" => (await links.ViewIssueUrlAsync(issue.Id + 1000, 1)).AbsolutePath,
            "malformed" => "/issues/not-a-token",
            _ => throw new ArgumentOutOfRangeException(nameof(how)),
        };
        using var brokenLink = await _client.GetAsync(new Uri("/issues/" + new string('A', 43), UriKind.Relative));
        var expected = await brokenLink.Content.ReadAsStringAsync();

        using var response = await _client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo(expected).And.Contain("This link does not work"));
        Assert.That(response.Headers.GetValues("Referrer-Policy"), Is.EqualTo(new[] { "no-referrer" }));
    }

    [Test]
    public async Task A_batch_of_issues_is_read_at_once_each_with_its_own_papers_topics_and_links()
    {
        var one = await IssueAsync("""[{"id":"2511.00002","topics":["agents"]},{"id":"2511.00001","topics":["rlhf"]}]""");
        var two = await IssueAsync("""[{"id":"2511.00003","topics":[]}]""", frequency: "weekly");
        var reader = _app.Services.GetRequiredService<IssueReader>();

        var issues = await reader.ReadManyAsync([one.Id, two.Id, two.Id + 1000]);

        Assert.That(issues.Keys, Is.EquivalentTo(new[] { one.Id, two.Id }));
        Assert.That(issues[one.Id].Papers.Select(p => p.Id), Is.EqualTo(new[] { "2511.00002", "2511.00001" }));
        Assert.That(issues[one.Id].Papers[0].Topics, Is.EqualTo(new[] { "agents" }));
        Assert.That(issues[one.Id].Papers[1].Authors, Is.EqualTo(new[] { "Ada Lovelace" }));
        Assert.That(issues[one.Id].Frequency, Is.EqualTo(Frequency.Daily));
        Assert.That(issues[two.Id].Frequency, Is.EqualTo(Frequency.Weekly));
        Assert.That(issues[two.Id].Period, Is.EqualTo(new DateOnly(2025, 11, 22)));
        Assert.That(issues[one.Id].ViewUrl, Is.EqualTo(await _app.Services.GetRequiredService<SubscriptionLinks>().ViewIssueUrlAsync(one.Id, 1)));
        Assert.That(issues[one.Id].ManageUrl, Is.Not.EqualTo(issues[two.Id].ManageUrl));
        Assert.That(issues[one.Id].SiteUrl, Is.EqualTo(new Uri("https://digest.example/")));
        Assert.That(await reader.ReadAsync(two.Id + 1000), Is.Null);
    }

    [Test]
    public async Task The_page_looks_like_the_mail_in_a_real_browser_under_its_content_security_policy()
    {
        var issue = await IssueAsync("""[{"id":"2511.00001","topics":["rlhf"]},{"id":"2511.00002","topics":["agents"]}]""");
        await using var app = new DigestApp(_connectionString, new Dictionary<string, string?> { ["Digest:DataDir"] = _dataFolder });
        var baseAddress = app.StartOnLoopback();
        var path = (await app.Services.GetRequiredService<SubscriptionLinks>().ViewIssueUrlAsync(issue.Id, 1)).AbsolutePath;
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync();
        var violations = new List<string>();
        // Chromium reports what a CSP blocks on the console ("Refused to apply inline style…"); the
        // favicon's 404 is the only other message, and no concern here.
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
                violations.Add(message.Text);
        };

        var response = await page.GotoAsync(new Uri(baseAddress, path).ToString());
        await Browser.ScreenshotAsync(page, "digest-issue-page-1280");

        Assert.That(response!.Status, Is.EqualTo(200));
        Assert.That(violations, Is.Empty, "the CSP blocks nothing the page uses");
        // The inline styles applied: the card is the mail's 600 px, not the window's width.
        var cardWidth = await page.EvaluateAsync<double>("document.querySelector('table table').getBoundingClientRect().width");
        Assert.That(cardWidth, Is.EqualTo(600).Within(1));
        Assert.That(await page.TitleAsync(), Is.EqualTo("2 new papers on rlhf, agents — Nov 22"));
    }

    [Test]
    public async Task A_paper_that_changed_since_it_was_last_read_is_shown_as_it_is_now()
    {
        // The reader keeps papers between reads; an ingest that updates one must show at once.
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.ExecuteAsync("""
            INSERT INTO papers (id, title, abstract, authors, upvotes, listed_at)
            VALUES ('2511.00077', 'Before the update', 'Unchanged.', '{"Ada Lovelace"}', 7, now())
            """);
        var issue = await IssueAsync("""[{"id":"2511.00077","topics":["agents"]}]""");
        var path = await ViewPathAsync(issue);
        var before = await _client.GetStringAsync(path);

        await connection.ExecuteAsync("UPDATE papers SET title = 'After the update', upvotes = 8 WHERE id = '2511.00077'");
        var after = await _client.GetStringAsync(path);
        var again = await _client.GetStringAsync(path);

        Assert.That(before, Does.Contain("Before the update").And.Contain("7 upvotes"));
        Assert.That(after, Does.Contain("After the update").And.Contain("8 upvotes").And.Not.Contain("Before the update"));
        Assert.That(again, Is.EqualTo(after), "read again unchanged, from what the reader kept");
    }

    async Task<Issue> IssueAsync(string papers, string status = "active", string frequency = "daily")
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        var subscriberId = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO subscribers (email, status, frequency, weekday, delivery_hour, time_zone, created_at, updated_at, confirmed_at)
            VALUES (@email, @status, @frequency, CASE WHEN @frequency = 'weekly' THEN 6 END, 8, 'UTC', now(), now(), now())
            RETURNING id
            """, new { email = $"{Guid.NewGuid():N}@example.org", status, frequency });
        await connection.ExecuteAsync("""
            INSERT INTO topics (query, author, category, min_upvotes, created_at, last_chosen_at) VALUES
                ('diffusion models', NULL, NULL, 0, now(), now()), ('agents', 'grace hopper', 'cs.AI', 5, now(), now())
            ON CONFLICT ON CONSTRAINT topics_filter_key DO NOTHING;
            INSERT INTO subscriber_topics (subscriber_id, topic_id, position)
            SELECT @subscriberId, id, CASE query WHEN 'diffusion models' THEN 0 ELSE 1 END FROM topics WHERE query IN ('diffusion models', 'agents');
            """, new { subscriberId });
        var issueId = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO digest_issues (subscriber_id, period, window_start, window_end, papers, state, due_at, planned_at)
            VALUES (@subscriberId, '2025-11-22', now() - interval '1 day', now(), @papers::jsonb, 'sent', now(), now())
            RETURNING id
            """, new { subscriberId, papers });
        return new Issue(issueId, subscriberId);
    }

    async Task<string> ViewPathAsync(Issue issue) =>
        (await _app.Services.GetRequiredService<SubscriptionLinks>().ViewIssueUrlAsync(issue.Id, 1)).AbsolutePath;

    async Task<string> ExecuteAsync(string sql, Issue issue, string path)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.ExecuteAsync(sql, new { issue.SubscriberId });
        return path;
    }

    sealed record Issue(long Id, long SubscriberId);
}

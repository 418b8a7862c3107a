using System.Text.Json.Nodes;
using Digest.Papers;
using Digest.Tests.Papers.Harness;

namespace Digest.Tests.Papers;

/// <summary>
/// Hundreds of generated bad items — many of them bad versions of papers already stored — in one
/// feed day with good ones: each is rejected with one log line naming source, item and rule, the
/// good ones land, and nothing already stored changes.
/// </summary>
public sealed class BadItemTests
{
    const int Stored = 50;

    /// <summary>Ways to break a Hugging Face item, and the rule each must be rejected under.</summary>
    static readonly (string Rule, Action<JsonObject> Break)[] Breakages =
    [
        (PaperRules.IdMissing, item => Paper(item).Remove("id")),
        (PaperRules.IdFormat, item => Paper(item)["id"] = "not-an-arxiv-id"),
        (PaperRules.IdFormat, item => Paper(item)["id"] = "2509.1"),
        (PaperRules.TitleMissing, item => Paper(item).Remove("title")),
        (PaperRules.TitleMissing, item => Paper(item)["title"] = " \n\t "),
        (PaperRules.ActiveHtml, item => Paper(item)["title"] = "<script>alert(1)</script>A Title"),
        (PaperRules.ActiveHtml, item => Paper(item)["summary"] = "Fine <img src=x onerror=alert(1)> text"),
        (PaperRules.ActiveHtml, item => Paper(item)["title"] = "<a href=\"javascript:alert(1)\">A Title</a>"),
        (PaperRules.ControlCharacter, item => Paper(item)["title"] = "A \u0007 Title"),
        (PaperRules.ControlCharacter, item => Paper(item)["summary"] = "Null \u0000 byte"),
        (PaperRules.ControlCharacter, item => Paper(item)["title"] = "A \u202Eeltit"),
        // A JSON writer will not write a lone surrogate, so the page puts the escape in afterwards; the
        // JSON reader refuses to turn it into a string, which makes the item unreadable.
        (PaperRules.Shape, item => Paper(item)["title"] = $"Broken {LoneSurrogate} surrogate"),
        (PaperRules.TooLong, item => Paper(item)["summary"] = new string('a', 1_048_576)),
        (PaperRules.TooLong, item => Paper(item)["title"] = new string('T', 2_000)),
        (PaperRules.TooMany, item => Paper(item)["authors"] = new JsonArray(Enumerable.Range(0, 10_000).Select(i => (JsonNode)new JsonObject { ["name"] = $"A{i}" }).ToArray())),
        (PaperRules.UpvotesRange, item => Paper(item)["upvotes"] = -5),
        (PaperRules.UrlFormat, item => Paper(item)["githubRepo"] = "javascript:alert(1)"),
        (PaperRules.DateRange, item => Paper(item)["publishedAt"] = "1900-01-01T00:00:00Z"),
        (PaperRules.Shape, item => Paper(item)["authors"] = "not a list"),
        (PaperRules.Shape, item => Paper(item)["upvotes"] = "many"),
        (PaperRules.Shape, item => item["paper"] = "not an object"),
    ];

    const string LoneSurrogate = "LONE-SURROGATE";

    static JsonObject Paper(JsonObject item) => item["paper"]!.AsObject();

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

    static string Id(int n) => $"2509.{70000 + n}";

    [Test]
    public async Task Every_bad_item_is_rejected_with_its_rule_the_good_ones_land_and_nothing_stored_changes()
    {
        // Friday: the papers already stored.
        _feeds.HuggingFaceDay("2025-09-05", Fixtures.Page(Enumerable.Range(0, Stored)
            .Select(n => Fixtures.HuggingFaceItem(Id(n), $"Stored Paper {n}", "2025-09-05", upvotes: 3))));
        await _host.IngestAsync(new IngestRequest([IngestRequest.HuggingFace], [], new DateOnly(2025, 9, 5), new DateOnly(2025, 9, 5)));
        var before = (await _host.PapersAsync()).Select(p => p.Everything).ToList();
        Assert.That(before, Has.Count.EqualTo(Stored));

        // Monday: a bad version of every stored paper (more upvotes, so a wrongly accepted one would
        // show), 200 bad new ones and 50 good new ones, shuffled together.
        var expected = new Dictionary<string, string>();
        var items = new List<JsonNode>();
        for (var n = 0; n < Stored + 200; n++)
        {
            var (rule, breakIt) = Breakages[n % Breakages.Length];
            var item = Fixtures.HuggingFaceItem(Id(n), $"Paper {n}", "2025-09-08", upvotes: 99);
            breakIt(item);
            items.Add(item);
            expected[$"{n}"] = rule;
        }
        items.AddRange(Enumerable.Range(1_000, 50).Select(n => Fixtures.HuggingFaceItem(Id(n), $"Good New Paper {n}", "2025-09-08", upvotes: 1)));
        var shuffled = items.OrderBy(i => i.ToJsonString().GetHashCode(StringComparison.Ordinal)).ToList();
        _feeds.HuggingFaceDay("2025-09-08", Fixtures.Page(shuffled).Replace(LoneSurrogate, "\\ud800", StringComparison.Ordinal));
        _host.Clock.Advance(TimeSpan.FromHours(1));

        var report = await _host.IngestAsync(new IngestRequest([IngestRequest.HuggingFace], [], new DateOnly(2025, 9, 8), new DateOnly(2025, 9, 8)));

        var source = report.Sources.Single();
        Assert.That((source.Fetched, source.New, source.Updated, source.Rejected, source.Failed), Is.EqualTo((300, 50, 0, 250, false)));
        var papers = await _host.PapersAsync();
        Assert.That(papers.Where(p => p.Title.StartsWith("Stored", StringComparison.Ordinal)).Select(p => p.Everything), Is.EqualTo(before),
            "no stored paper changed: not its text, not its upvotes, not its updated_at");
        Assert.That(papers.Count(p => p.Title.StartsWith("Good New", StringComparison.Ordinal)), Is.EqualTo(50));

        var rejections = _host.Logs.Rejections;
        Assert.That(rejections, Has.Count.EqualTo(250), "one line per bad item");
        Assert.That(rejections.Select(r => r["Source"]), Has.All.EqualTo("huggingface"));
        var byItem = rejections.Select(r => (Item: r["Item"]!, Rule: r["Rule"]!)).ToList();
        foreach (var (item, rule) in byItem)
        {
            // An item is named by its id as the feed gave it, or by its place in the page when it has none.
            if (item.StartsWith("2509.7", StringComparison.Ordinal))
                Assert.That(rule, Is.EqualTo(expected[$"{int.Parse(item[5..], System.Globalization.CultureInfo.InvariantCulture) - 70000}"]), item);
            else if (rule == PaperRules.IdFormat)
                Assert.That(item, Is.AnyOf("not-an-arxiv-id", "2509.1"));
            else
                Assert.That(item, Does.StartWith("2025-09-08 page 0 item "), rule);
        }
        Assert.That(byItem.Select(r => r.Rule).Distinct(), Is.EquivalentTo(Breakages.Select(b => b.Rule).Distinct()));
        Assert.That(rejections.Select(r => r.Message), Has.All.Not.Contain("\n").And.All.Length.LessThan(400), "one readable line each");
    }
}

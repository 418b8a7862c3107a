using System.Text.Json;
using Digest.Papers;
using Digest.Tests.Papers.Harness;

namespace Digest.Tests.Papers;

/// <summary>The shipped demo feed: the seed papers in the project's own format, loaded when no feed can be read.</summary>
public sealed class DemoPapersTests
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    sealed record DemoFeed(string Format, List<DemoPaper> Papers);

    sealed record DemoPaper(string Id, string Title, string Abstract, List<string> Authors, string? PublishedOn, int Upvotes);

    [Test]
    public void The_demo_feed_holds_the_84_distinct_seed_papers_keyed_by_their_titles_and_with_no_invented_authors()
    {
        var feed = JsonSerializer.Deserialize<DemoFeed>(File.ReadAllText(Fixtures.DemoFile), Json)!;

        Assert.That(feed.Format, Is.EqualTo("digest-papers/1"));
        Assert.That(feed.Papers, Has.Count.EqualTo(84), "87 seed lines, three titles listed on both pages");
        Assert.That(feed.Papers.Select(p => p.Id), Is.Unique);
        Assert.That(feed.Papers.Select(p => p.Id), Is.EqualTo(feed.Papers.Select(p => PaperId.Local(PaperText.Line(p.Title, "title")))),
            "the converter derives ids exactly as Digest does");
        Assert.That(feed.Papers.SelectMany(p => p.Authors), Is.Empty);
        Assert.That(feed.Papers.Count(p => p.PublishedOn is null), Is.EqualTo(3), "the seed's undated papers stay undated");
        Assert.That(feed.Papers.Select(p => p.Abstract.Length), Has.All.InRange(1_300, 2_000));
    }

    [Test]
    public async Task The_demo_source_loads_every_paper_and_loading_it_again_changes_nothing()
    {
        await using var host = await PapersHost.StartAsync(now: PapersHost.AfterTheDemo);

        var first = await host.IngestAsync(IngestRequest.Demo);
        var before = (await host.PapersAsync()).Select(p => p.Everything).ToList();
        var second = await host.IngestAsync(IngestRequest.Demo);

        Assert.That((first.Sources.Single().New, first.Sources.Single().Rejected), Is.EqualTo((84, 0)));
        Assert.That((second.Sources.Single().New, second.Sources.Single().Updated), Is.EqualTo((0, 0)));
        Assert.That((await host.PapersAsync()).Select(p => p.Everything), Is.EqualTo(before));
        var paper = (await host.PapersAsync()).First(p => p.Title.StartsWith("DisCO", StringComparison.Ordinal));
        Assert.That((paper.Sources.Single(), paper.PublishedOn, paper.ListedAt), Is.EqualTo(("demo", new DateTime(2025, 5, 18), new DateTime(2025, 5, 18, 0, 0, 0, DateTimeKind.Utc))));
    }

    [TestCase("Always", 84)]
    [TestCase("Never", 0)]
    [TestCase("Auto", 0)] // the test database is not the embedded one
    public async Task With_no_feed_readable_the_demo_is_loaded_as_the_policy_says(string policy, int loaded)
    {
        await using var host = await PapersHost.StartAsync(settings: new Dictionary<string, string?> { ["Papers:Demo"] = policy, ["Papers:Offline"] = "true" }, now: PapersHost.AfterTheDemo);

        await host.IngestAsync(IngestRequest.Scheduled);

        Assert.That(await host.PapersAsync(), Has.Count.EqualTo(loaded));
    }

    [Test]
    public async Task A_feed_that_answers_even_with_nothing_means_no_demo()
    {
        await using var feeds = await FeedServer.StartAsync();
        feeds.On("/api/daily_papers", _ => true, Reply.Json("[]"));
        await using var host = await PapersHost.StartAsync(feeds, new Dictionary<string, string?>
        {
            ["Papers:Demo"] = "Always",
            ["Papers:Arxiv:Enabled"] = "false",
        });

        var report = await host.IngestAsync(IngestRequest.Scheduled);

        Assert.That(report.Sources.Select(s => s.Source), Is.EqualTo(new[] { "huggingface" }));
        Assert.That(await host.PapersAsync(), Is.Empty);
    }

    [Test]
    public async Task A_feed_that_cannot_be_read_means_the_demo()
    {
        await using var feeds = await FeedServer.StartAsync();
        feeds.On("/api/daily_papers", _ => true, Reply.Status(System.Net.HttpStatusCode.ServiceUnavailable));
        await using var host = await PapersHost.StartAsync(feeds, new Dictionary<string, string?>
        {
            ["Papers:Demo"] = "Always",
            ["Papers:Arxiv:Enabled"] = "false",
        }, PapersHost.AfterTheDemo);

        var report = await host.IngestAsync(IngestRequest.Scheduled);

        Assert.That(report.Sources.Select(s => (s.Source, s.Failed, s.New)), Is.EqualTo(new[] { ("huggingface", true, 0), ("demo", false, 84) }));
    }
}

using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Digest.Papers;
using Digest.Tests.Papers.Harness;

namespace Digest.Tests.Papers;

/// <summary>
/// How long 10,000 papers take from a feed into PostgreSQL: a day of the Hugging Face shape, 100 pages
/// of 100, through the loopback fixture server; and the same papers from a JSON file. Texts are
/// generated from the demo papers' vocabulary, at their lengths. A measurement, not a timed test:
/// run it on purpose (see README, "Papers").
/// </summary>
[Explicit("a benchmark: dotnet test tests/Digest.Tests --filter FullyQualifiedName~IngestBenchmark")]
[Category("Benchmark")]
public sealed class IngestBenchmark
{
    const int Papers = 10_000;

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    sealed record DemoFeed(List<DemoPaper> Papers);

    sealed record DemoPaper(string Title, string Abstract);

    /// <summary>10,000 Hugging Face items: titles of 6-14 and abstracts of ~230 words drawn from the demo texts.</summary>
    static List<JsonNode> Generate()
    {
        var demo = JsonSerializer.Deserialize<DemoFeed>(File.ReadAllText(Fixtures.DemoFile), Json)!;
        var titleWords = demo.Papers.SelectMany(p => p.Title.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        var abstractWords = demo.Papers.SelectMany(p => p.Abstract.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        var random = new Random(20250908);
        string Words(string[] from, int count) => string.Join(' ', Enumerable.Range(0, count).Select(_ => from[random.Next(from.Length)]));
        return Enumerable.Range(0, Papers).Select(i => (JsonNode)Fixtures.HuggingFaceItem(
            $"2509.{10000 + i}",
            Words(titleWords, random.Next(6, 15)),
            "2025-09-08",
            upvotes: random.Next(0, 200),
            summary: Words(abstractWords, random.Next(180, 280)),
            authors: Enumerable.Range(0, random.Next(2, 12)).Select(a => $"Benchmark Author {random.Next(50_000)}"),
            change: paper => paper["ai_keywords"] = new JsonArray(Words(titleWords, 1), Words(abstractWords, 2), Words(abstractWords, 1)))).ToList();
    }

    [Test]
    public async Task Ten_thousand_papers_from_the_Hugging_Face_feed()
    {
        await using var feeds = await FeedServer.StartAsync();
        feeds.HuggingFaceDay("2025-09-08", Generate().Chunk(100).Select(Fixtures.Page).ToArray());
        await using var host = await PapersHost.StartAsync(feeds, new Dictionary<string, string?>
        {
            ["Papers:Arxiv:Enabled"] = "false",
            ["Papers:HuggingFace:MaxPagesPerDay"] = "200",
        });

        var clock = Stopwatch.StartNew();
        var report = await host.IngestAsync(new IngestRequest([IngestRequest.HuggingFace], [], new DateOnly(2025, 9, 8), new DateOnly(2025, 9, 8)));
        var first = clock.Elapsed;
        clock.Restart();
        var again = await host.IngestAsync(new IngestRequest([IngestRequest.HuggingFace], [], new DateOnly(2025, 9, 8), new DateOnly(2025, 9, 8)));
        var second = clock.Elapsed;

        Assert.That(report.Sources.Single().New, Is.EqualTo(Papers));
        Assert.That(again.Sources.Single().Updated, Is.Zero);
        TestContext.Out.WriteLine($"Hugging Face feed, {Papers:N0} papers in 101 requests: first run {first.TotalSeconds:0.00} s ({Papers / first.TotalSeconds:N0} papers/s), " +
            $"unchanged re-run {second.TotalSeconds:0.00} s");
    }

    [Test]
    public async Task Ten_thousand_papers_from_a_JSON_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"digest-benchmark-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, Fixtures.Page(Generate()));
        try
        {
            await using var host = await PapersHost.StartAsync();

            var clock = Stopwatch.StartNew();
            var report = await host.IngestAsync(new IngestRequest([], [path]));
            var elapsed = clock.Elapsed;

            Assert.That(report.Sources.Single().New, Is.EqualTo(Papers));
            TestContext.Out.WriteLine($"JSON file ({new FileInfo(path).Length / 1_048_576.0:0.0} MB), {Papers:N0} papers: {elapsed.TotalSeconds:0.00} s ({Papers / elapsed.TotalSeconds:N0} papers/s)");
        }
        finally
        {
            File.Delete(path);
        }
    }
}

using System.Text.Json.Nodes;
using Digest.Papers;
using Digest.Tests.Papers.Harness;
using Microsoft.Extensions.DependencyInjection;

namespace Digest.Tests.Papers;

/// <summary>JSON feed files: the project's own format (digest-papers/1) and a saved Hugging Face answer.</summary>
public sealed class JsonFileSourceTests
{
    PapersHost _host = null!;
    string _folder = null!;

    [SetUp]
    public async Task Start()
    {
        _host = await PapersHost.StartAsync();
        _folder = Path.Combine(Path.GetTempPath(), "digest-tests", "feeds-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_folder);
    }

    [TearDown]
    public async Task Stop()
    {
        await _host.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    string Write(string name, string content)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    Task<IngestReport> IngestFileAsync(string path) => _host.IngestAsync(new IngestRequest([], [path]));

    [Test]
    public async Task A_file_in_the_projects_format_lands_and_a_paper_without_an_id_is_keyed_by_its_title()
    {
        var path = Write("feed.json", Fixtures.OwnFormat(
        [
            new JsonObject
            {
                ["id"] = "arXiv:2509.05001v3", ["title"] = "Own Format Paper", ["abstract"] = "Text.", ["authors"] = new JsonArray("Kai Ito", "Ana Lima"),
                ["categories"] = new JsonArray("cs.CL"), ["keywords"] = new JsonArray("format"), ["pageUrl"] = "https://example.org/p",
                ["pdfUrl"] = "https://example.org/p.pdf", ["codeUrl"] = "https://example.org/code", ["publishedOn"] = "2025-09-01",
                ["listedAt"] = "2025-09-02T08:00:00Z", ["upvotes"] = 5, ["unknownField"] = "ignored",
            },
            new JsonObject { ["title"] = "A  Paper Nobody Put On arXiv", ["publishedOn"] = "2024-02-29" },
            new JsonObject { ["title"] = "Undated", ["id"] = "local-00000000000000ff" },
        ]));

        var report = await IngestFileAsync(path);

        Assert.That((report.Sources.Single().Source, report.Sources.Single().New), Is.EqualTo(("file:feed.json", 3)));
        var own = await _host.PaperAsync("2509.05001");
        Assert.That((own.Title, own.Upvotes, own.Sources.Single(), own.ListedAt), Is.EqualTo(("Own Format Paper", 5, "file:feed.json", new DateTime(2025, 9, 2, 8, 0, 0, DateTimeKind.Utc))));
        Assert.That((own.Authors, own.Categories, own.Keywords), Is.EqualTo((new[] { "Kai Ito", "Ana Lima" }, new[] { "cs.CL" }, new[] { "format" })));
        var local = await _host.PaperAsync(PaperId.Local("A Paper Nobody Put On arXiv"));
        Assert.That(local.ListedAt, Is.EqualTo(new DateTime(2024, 2, 29, 0, 0, 0, DateTimeKind.Utc)), "listed on its date when listedAt is absent");
        Assert.That((await _host.PaperAsync("local-00000000000000ff")).ListedAt, Is.EqualTo(_host.Clock.GetUtcNow().UtcDateTime), "otherwise when first ingested");
    }

    [Test]
    public async Task A_saved_Hugging_Face_answer_is_read_the_same_way_as_the_live_feed()
    {
        var path = Write("hf-2025-09-08.json", Fixtures.Read("huggingface/2025-09-08.json"));

        var report = await IngestFileAsync(path);

        Assert.That((report.Sources.Single().New, report.Sources.Single().Rejected), Is.EqualTo((3, 2)));
        Assert.That((await _host.PaperAsync("2509.01001")).Upvotes, Is.EqualTo(26));
        Assert.That(_host.Logs.Rejections.Select(r => r["Item"]), Is.EquivalentTo(new[] { "2509.01003", "file:hf-2025-09-08.json item 3" }));
    }

    [TestCase("{\"format\": \"digest-papers/1\", \"papers\": [", "malformed JSON")]
    [TestCase("{\"format\": \"digest-papers/2\", \"papers\": []}", "unknown format 'digest-papers/2'")]
    [TestCase("{\"papers\": []}", "unknown format ''")]
    [TestCase("{\"format\": \"digest-papers/1\"}", "the \"papers\" array is missing")]
    [TestCase("42", "expected an object")]
    public async Task A_file_that_is_not_a_feed_fails_with_the_reason_and_stores_nothing(string content, string reason)
    {
        var report = await IngestFileAsync(Write("bad.json", content));

        Assert.That(report.Sources.Single().Errors.Single(), Does.Contain(reason));
        Assert.That(await _host.PapersAsync(), Is.Empty);
    }

    [Test]
    public async Task A_file_that_is_missing_fails_with_its_path()
    {
        var path = Path.Combine(_folder, "gone.json");

        var report = await IngestFileAsync(path);

        Assert.That(report.Sources.Single().Errors.Single(), Does.StartWith(path + ": cannot read the file"));
    }

    [Test]
    public async Task The_configured_files_are_ingested_on_every_scheduled_run()
    {
        var path = Write("configured.json", Fixtures.OwnFormat([new JsonObject { ["id"] = "2509.05002", ["title"] = "Configured", ["publishedOn"] = "2025-09-01" }]));
        await using var host = await PapersHost.StartAsync(settings: new Dictionary<string, string?> { ["Papers:Files:0"] = path });

        var report = await host.IngestAsync(IngestRequest.Scheduled);

        Assert.That(report.Sources.Select(s => (s.Source, s.New)), Is.EqualTo(new[] { ("file:configured.json", 1) }));
    }

    [Test]
    public void Asking_for_the_configured_files_when_there_are_none_is_an_error()
    {
        var error = Assert.ThrowsAsync<IngestRequestException>(() => _host.IngestAsync(IngestRequest.File));

        Assert.That(error!.Message, Is.EqualTo("no files are configured (Papers:Files); name one with --file."));
    }

    [Test]
    public async Task A_large_file_arrives_in_batches_and_each_batch_is_stored()
    {
        var papers = Enumerable.Range(0, 2_500).Select(i => (JsonNode)new JsonObject { ["id"] = $"2509.{60000 + i}", ["title"] = $"Paper {i}", ["publishedOn"] = "2025-09-01" });
        var progress = new List<IngestProgress>();

        var report = await _host.Services.GetRequiredService<PaperIngest>().RunAsync(
            new IngestRequest([], [Write("large.json", Fixtures.OwnFormat(papers))]), new Collect(progress));

        Assert.That(report.Sources.Single().New, Is.EqualTo(2_500));
        Assert.That(progress.Where(p => !p.Done).Select(p => (p.Document, p.Fetched)), Is.EqualTo(new[]
        {
            ("file:large.json items 0-999", 1_000), ("file:large.json items 1000-1999", 2_000), ("file:large.json items 2000-2499", 2_500),
        }));
    }

    sealed class Collect(List<IngestProgress> into) : IProgress<IngestProgress>
    {
        public void Report(IngestProgress value) => into.Add(value);
    }
}

using System.Globalization;
using System.Security;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Digest.Tests.Papers.Harness;

/// <summary>The fixture files (Papers/Fixtures, copied beside the tests) and builders for generated feeds in the same shapes.</summary>
public static class Fixtures
{
    public const string EmptyAtom = """
        <?xml version="1.0" encoding="UTF-8"?>
        <feed xmlns="http://www.w3.org/2005/Atom">
          <title type="html">ArXiv Query: empty</title>
          <id>http://arxiv.org/api/fixture-empty</id>
          <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">0</opensearch:totalResults>
          <opensearch:startIndex xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">0</opensearch:startIndex>
          <opensearch:itemsPerPage xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">0</opensearch:itemsPerPage>
        </feed>
        """;

    public static string Read(string relativePath) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Papers", "Fixtures", relativePath));

    /// <summary>The shipped demo feed, from the source tree (it is also embedded in the executable).</summary>
    public static string DemoFile => Path.Combine(Digest.TestSupport.Artifacts.RepositoryRoot, "src", "Digest", "Papers", "Demo", "demo-papers.json");

    /// <summary>One Hugging Face daily-papers item with the documented fields; <paramref name="change"/> edits the paper object.</summary>
    public static JsonObject HuggingFaceItem(string? id, string? title, string day, int upvotes = 0, string summary = "An abstract.",
        IEnumerable<string>? authors = null, Action<JsonObject>? change = null)
    {
        var listed = $"{day}T06:00:00.000Z";
        var paper = new JsonObject
        {
            ["id"] = id,
            ["authors"] = new JsonArray((authors ?? ["Fixture Author"]).Select(name => (JsonNode)new JsonObject { ["_id"] = "68be", ["name"] = name, ["hidden"] = false }).ToArray()),
            ["publishedAt"] = $"{day}T01:00:00.000Z",
            ["submittedOnDailyAt"] = listed,
            ["title"] = title,
            ["summary"] = summary,
            ["upvotes"] = upvotes,
            ["ai_keywords"] = new JsonArray(),
            ["githubRepo"] = null,
        };
        change?.Invoke(paper);
        return new JsonObject { ["paper"] = paper, ["publishedAt"] = listed, ["numComments"] = 0, ["organization"] = null };
    }

    public static string Page(IEnumerable<JsonNode?> items) => new JsonArray(items.Select(i => i?.DeepClone()).ToArray()).ToJsonString();

    /// <summary>A day of <paramref name="count"/> generated papers (ids 2509.NNNNN from <paramref name="firstNumber"/>), as pages of <paramref name="pageSize"/>.</summary>
    public static string[] GeneratedDay(string day, int count, int pageSize, int firstNumber = 20000, int upvotes = 1) =>
        Enumerable.Range(0, count)
            .Select(i => (JsonNode)HuggingFaceItem($"2509.{firstNumber + i:D5}", $"Generated Paper {firstNumber + i}", day, upvotes))
            .Chunk(pageSize)
            .Select(Page)
            .ToArray();

    /// <summary>An Atom page of the arXiv API holding the given entries.</summary>
    public static string AtomPage(int total, int start, IEnumerable<string> entries) => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <feed xmlns="http://www.w3.org/2005/Atom">
          <title type="html">ArXiv Query: generated</title>
          <id>http://arxiv.org/api/fixture-generated</id>
          <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">{total}</opensearch:totalResults>
          <opensearch:startIndex xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">{start}</opensearch:startIndex>
          <opensearch:itemsPerPage xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">{entries.Count()}</opensearch:itemsPerPage>
          {string.Join("\n", entries)}
        </feed>
        """;

    public static string AtomEntry(string versionedId, string title, string published = "2025-09-07T10:00:00Z", string summary = "An abstract.", string category = "cs.CL") => $"""
          <entry>
            <id>http://arxiv.org/abs/{versionedId}</id>
            <updated>{published}</updated>
            <published>{published}</published>
            <title>{SecurityElement.Escape(title)}</title>
            <summary>{SecurityElement.Escape(summary)}</summary>
            <author><name>Fixture Author</name></author>
            <link href="http://arxiv.org/abs/{versionedId}" rel="alternate" type="text/html"/>
            <link title="pdf" href="http://arxiv.org/pdf/{versionedId}" rel="related" type="application/pdf"/>
            <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="{category}" scheme="http://arxiv.org/schemas/atom"/>
            <category term="{category}" scheme="http://arxiv.org/schemas/atom"/>
          </entry>
        """;

    /// <summary>A feed file in the project's own format.</summary>
    public static string OwnFormat(IEnumerable<JsonNode?> papers) =>
        new JsonObject { ["format"] = "digest-papers/1", ["papers"] = new JsonArray(papers.Select(p => p?.DeepClone()).ToArray()) }
            .ToJsonString(new JsonSerializerOptions { WriteIndented = false });

    public static DateTimeOffset Utc(string value) => DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}

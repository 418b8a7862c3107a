using System.Runtime.CompilerServices;
using System.Text.Json;
using Digest.Papers.HuggingFace;

namespace Digest.Papers.Files;

/// <summary>
/// Papers from a JSON file, for offline use and for the demo: the project's own format (an object
/// with <c>"format": "digest-papers/1"</c> and <c>papers</c>) or a saved Hugging Face daily-papers
/// answer (an array). A file ignores the date window: everything in it is ingested.
/// </summary>
public sealed class JsonFileSource : IPaperSource
{
    public const string DemoName = "demo";
    const int BatchSize = 1_000;
    const string DemoResource = "Digest.Papers.Demo.demo-papers.json";

    readonly Func<Stream> _open;
    readonly string _description;
    readonly TimeProvider _time;

    JsonFileSource(string name, int authority, Func<Stream> open, string description, TimeProvider time)
    {
        Name = name;
        Authority = authority;
        _open = open;
        _description = description;
        _time = time;
    }

    public string Name { get; }
    public int Authority { get; }
    public bool IsRemote => false;

    /// <summary>A file an operator names; its source name is "file:" and the file's name.</summary>
    public static JsonFileSource FromPath(string path, TimeProvider time)
    {
        var full = Path.GetFullPath(path);
        return new JsonFileSource("file:" + Path.GetFileName(full), 20, () => File.OpenRead(full), full, time);
    }

    /// <summary>The demo papers shipped inside the executable; the lowest authority, so real feeds always win.</summary>
    public static JsonFileSource Demo(TimeProvider time) => new(DemoName, 0,
        () => typeof(JsonFileSource).Assembly.GetManifestResourceStream(DemoResource)
            ?? throw new InvalidOperationException($"The demo papers ({DemoResource}) are not embedded in this build."),
        "the shipped demo papers", time);

    public async IAsyncEnumerable<FetchedBatch> FetchAsync(IngestWindow window, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (document, failure) = await ParseAsync(cancellationToken);
        if (document is null)
        {
            yield return FetchedBatch.Failed(_description, failure!);
            yield break;
        }
        using (document)
        {
            var root = document.RootElement;
            var isHuggingFace = root.ValueKind == JsonValueKind.Array;
            if (!isHuggingFace && ShapeError(root) is { } error)
            {
                yield return FetchedBatch.Failed(_description, error);
                yield break;
            }
            var elements = (isHuggingFace ? root : root.GetProperty("papers")).EnumerateArray().ToList();
            var now = _time.GetUtcNow();
            for (var start = 0; start < elements.Count; start += BatchSize)
            {
                var slice = elements.Skip(start).Take(BatchSize);
                var label = $"{Name} items {start}-{Math.Min(start + BatchSize, elements.Count) - 1}";
                var (items, unreadable) = isHuggingFace
                    ? DailyPaperItem.ReadAll(slice, Name, day: null, start)
                    : ReadOwnFormat(slice, start, now);
                yield return new FetchedBatch(label, items, unreadable);
            }
        }
    }

    async Task<(JsonDocument? Document, string? Failure)> ParseAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = _open();
            return (await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken), null);
        }
        catch (JsonException e)
        {
            return (null, $"malformed JSON: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"cannot read the file: {e.Message}");
        }
    }

    static string? ShapeError(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            return $"expected an object in the {FeedFilePaper.Format} format or a Hugging Face array, got {root.ValueKind}";
        var format = root.TryGetProperty("format", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
        if (format != FeedFilePaper.Format)
            return $"unknown format '{format}': expected \"format\": \"{FeedFilePaper.Format}\"";
        return root.TryGetProperty("papers", out var papers) && papers.ValueKind == JsonValueKind.Array
            ? null
            : "the \"papers\" array is missing";
    }

    (List<PaperCandidate> Items, List<Rejection> Unreadable) ReadOwnFormat(IEnumerable<JsonElement> elements, int firstIndex, DateTimeOffset now) =>
        JsonItems.Read(elements, Name, firstIndex, $"a {FeedFilePaper.Format} paper",
            (element, reference) => JsonItems.Deserialize<FeedFilePaper>(element, FeedFilePaper.Json).ToCandidate(reference, now));
}

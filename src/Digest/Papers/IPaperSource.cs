namespace Digest.Papers;

/// <summary>
/// Where papers come from: Hugging Face daily papers, the arXiv API, a JSON file (and the shipped
/// demo set). A source only reads and maps; rules, storage and logging are the same for all.
/// </summary>
public interface IPaperSource
{
    /// <summary>The name stored in <c>papers.sources</c> and shown in summaries ("huggingface", "arxiv", "file:feed.json").</summary>
    string Name { get; }

    /// <summary>Whose text wins when two sources describe one paper differently (higher wins, equal may update).</summary>
    int Authority { get; }

    /// <summary>Whether it needs the network; remote sources are off when <c>Papers:Offline</c> is set.</summary>
    bool IsRemote { get; }

    /// <summary>
    /// Reads the window, one document at a time. The caller stores each batch before asking for the
    /// next, so a source may record progress (a day walked) once it is resumed after a batch.
    /// A document that cannot be read is yielded as a failed batch; the source decides whether to go on.
    /// </summary>
    IAsyncEnumerable<FetchedBatch> FetchAsync(IngestWindow window, CancellationToken cancellationToken = default);
}

/// <summary>What one document of a feed gave: the items read, and the ones that could not even be read as items.</summary>
/// <param name="Document">Names the document in logs and progress ("2025-09-08 page 2").</param>
/// <param name="Error">Set when the document itself could not be fetched or parsed.</param>
public sealed record FetchedBatch(string Document, IReadOnlyList<PaperCandidate> Items, IReadOnlyList<Rejection> Unreadable, string? Error = null)
{
    public static FetchedBatch Failed(string document, string error) => new(document, [], [], error);
}

/// <summary>The days to ingest, UTC.</summary>
/// <param name="Explicit">Given by the operator (ingest --from/--to): walk every day in it, seen or not.</param>
public sealed record IngestWindow(DateOnly From, DateOnly To, bool Explicit)
{
    public IEnumerable<DateOnly> Days()
    {
        for (var day = From; day <= To; day = day.AddDays(1))
            yield return day;
    }
}

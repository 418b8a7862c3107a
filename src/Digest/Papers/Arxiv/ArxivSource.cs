using System.Runtime.CompilerServices;
using Digest.Papers.Http;
using Microsoft.Extensions.Options;

namespace Digest.Papers.Arxiv;

/// <summary>
/// The arXiv API by category: every paper submitted in the window, newest first, page by page.
/// Its metadata is the reference (highest authority). Requests are spaced by <see cref="ArxivThrottle"/>.
/// </summary>
public sealed class ArxivSource(HttpClient http, IOptions<PapersOptions> options) : IPaperSource
{
    public const string SourceName = "arxiv";

    public string Name => SourceName;
    public int Authority => 30;
    public bool IsRemote => true;

    public async IAsyncEnumerable<FetchedBatch> FetchAsync(IngestWindow window, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var arxiv = options.Value.Arxiv;
        var query = $"({string.Join(" OR ", arxiv.Categories.Select(c => "cat:" + c))}) AND submittedDate:[{window.From:yyyyMMdd}0000 TO {window.To:yyyyMMdd}2359]";
        // The API documents '+' for spaces in search_query.
        var encoded = Uri.EscapeDataString(query).Replace("%20", "+", StringComparison.Ordinal);
        for (var start = 0; start < arxiv.MaxResultsPerRun;)
        {
            var size = Math.Min(arxiv.PageSize, arxiv.MaxResultsPerRun - start);
            var document = $"results {start}-{start + size - 1}";
            var response = await FeedRequest.GetAsync(http,
                $"api/query?search_query={encoded}&sortBy=submittedDate&sortOrder=descending&start={start}&max_results={size}", cancellationToken);
            if (!response.Succeeded)
            {
                var error = AtomFeed.ErrorIn(response.Body) is { } message ? $"{response.Error}: {message}" : response.Error!;
                yield return FetchedBatch.Failed(document, error);
                yield break;
            }
            var (batch, entries, total) = AtomFeed.Read(response.Body!, document);
            yield return batch;
            // Paging past a page that could not be read would skip papers without saying so.
            if (batch.Error is not null || entries == 0 || start + entries >= (total ?? 0))
                yield break;
            start += entries;
        }
        yield return FetchedBatch.Failed("window", $"stopped at {arxiv.MaxResultsPerRun} results (Papers:Arxiv:MaxResultsPerRun); the window holds more");
    }
}

using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Digest.Papers.Http;
using Microsoft.Extensions.Options;

namespace Digest.Papers.HuggingFace;

/// <summary>
/// Hugging Face daily papers, the primary source and the one that counts upvotes. Walks every page
/// of each day to fetch: today, and the days of the look-back window it has not yet seen.
/// </summary>
public sealed class HuggingFaceSource(HttpClient http, FeedDays days, IOptions<PapersOptions> options, TimeProvider time) : IPaperSource
{
    public const string SourceName = "huggingface";

    public string Name => SourceName;
    public int Authority => 10;
    public bool IsRemote => true;

    public async IAsyncEnumerable<FetchedBatch> FetchAsync(IngestWindow window, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        foreach (var day in await days.ToWalkAsync(Name, window, settings.DaySettlesAfter, cancellationToken))
        {
            var listed = 0;
            var complete = false;
            var malformed = false;
            for (var page = 0; page < settings.HuggingFace.MaxPagesPerDay; page++)
            {
                var document = $"{day:yyyy-MM-dd} page {page}";
                var response = await FeedRequest.GetAsync(http, $"api/daily_papers?date={day:yyyy-MM-dd}&limit={settings.HuggingFace.PageSize}&p={page}", cancellationToken);
                // The API answers 400 for a date in its future; near midnight its today can be behind ours.
                if (response.Status == HttpStatusCode.BadRequest && day >= today)
                {
                    complete = true;
                    break;
                }
                if (!response.Succeeded)
                {
                    // The server or the network is failing, not this document: later days would fail the same way.
                    yield return FetchedBatch.Failed(document, response.Error!);
                    yield break;
                }
                var (batch, count) = Read(response.Body!, document, day);
                yield return batch;
                if (batch.Error is not null)
                {
                    malformed = true; // this day stays unseen and is walked again next run
                    break;
                }
                listed += count;
                if (count < settings.HuggingFace.PageSize)
                {
                    complete = true;
                    break;
                }
            }
            if (complete)
                await days.MarkWalkedAsync(Name, day, listed, time.GetUtcNow(), cancellationToken);
            else if (!malformed)
                yield return FetchedBatch.Failed($"{day:yyyy-MM-dd}", $"stopped after {settings.HuggingFace.MaxPagesPerDay} pages (Papers:HuggingFace:MaxPagesPerDay) without reaching the last one");
        }
    }

    static (FetchedBatch Batch, int Count) Read(string body, string document, DateOnly day)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind != JsonValueKind.Array)
                return (FetchedBatch.Failed(document, $"expected a JSON array of daily papers, got {json.RootElement.ValueKind}"), 0);
            var (items, unreadable) = DailyPaperItem.ReadAll(json.RootElement.EnumerateArray(), document, day);
            return (new FetchedBatch(document, items, unreadable), json.RootElement.GetArrayLength());
        }
        catch (JsonException e)
        {
            return (FetchedBatch.Failed(document, $"malformed JSON: {e.Message}"), 0);
        }
    }
}

using Digest.Database.Embedded;
using Digest.Metrics;
using Digest.Papers.Arxiv;
using Digest.Papers.Files;
using Digest.Papers.HuggingFace;
using Microsoft.Extensions.Options;

namespace Digest.Papers;

/// <summary>
/// One ingest run: reads the chosen sources side by side, applies <see cref="PaperRules"/> to every
/// item, stores what passes and logs one line per item that does not. A source that fails is
/// reported and never stops the others. Idempotent: running it again changes nothing but upvotes.
/// </summary>
public sealed class PaperIngest(
    HuggingFaceSource huggingFace,
    ArxivSource arxiv,
    PaperStore store,
    IngestLog log,
    IOptions<PapersOptions> options,
    TimeProvider time,
    ILogger<PaperIngest> logger,
    // Optional: the papers feature also runs on its own (AddPapers without the rest).
    DigestMetrics? metrics = null,
    EmbeddedPostgres? embedded = null)
{
    const int MaxWindowDays = 366;

    public async Task<IngestReport> RunAsync(IngestRequest request, IProgress<IngestProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        var window = WindowFor(request, settings);
        var sources = Select(request, settings);
        var runs = await Task.WhenAll(sources.Select(async source => (source, report: await RunSourceAsync(source, window, progress, cancellationToken))));
        var reports = runs.Select(r => r.report).ToList();

        // "No feed reachable": no remote source read a single document (all failed, or none is on).
        var reachedAFeed = runs.Any(r => r.source.IsRemote && r.report.Documents > 0);
        if (request.Everything && !reachedAFeed && LoadsDemo(settings))
        {
            logger.LogInformation("No paper feed could be read: loading the shipped demo papers");
            reports.Add(await RunSourceAsync(JsonFileSource.Demo(time), window, progress, cancellationToken));
        }
        foreach (var report in reports)
            metrics?.Ingested(report);
        if (reports.Count == 0)
            logger.LogInformation("No paper source is enabled (Papers:Offline={Offline}, no Papers:Files); nothing to ingest", settings.Offline);
        await log.RecordAsync(reports, time.GetUtcNow(), cancellationToken);
        return new IngestReport(window, reports);
    }

    bool LoadsDemo(PapersOptions settings) => settings.Demo switch
    {
        DemoPolicy.Always => true,
        DemoPolicy.Never => false,
        _ => embedded is not null,
    };

    IngestWindow WindowFor(IngestRequest request, PapersOptions settings)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        if (request.From is null && request.To is null)
            return new IngestWindow(today.AddDays(-settings.LookBackDays), today, Explicit: false);
        var to = request.To ?? today;
        var from = request.From ?? to.AddDays(-settings.LookBackDays);
        if (to > today)
            throw new IngestRequestException($"--to {to:yyyy-MM-dd} is in the future (today is {today:yyyy-MM-dd} UTC).");
        if (from > to)
            throw new IngestRequestException($"--from {from:yyyy-MM-dd} is after --to {to:yyyy-MM-dd}.");
        if (to.DayNumber - from.DayNumber + 1 > MaxWindowDays)
            throw new IngestRequestException($"--from {from:yyyy-MM-dd} --to {to:yyyy-MM-dd} spans more than {MaxWindowDays} days; ingest a long history in parts.");
        return new IngestWindow(from, to, Explicit: true);
    }

    List<IPaperSource> Select(IngestRequest request, PapersOptions settings)
    {
        var unknown = request.Sources.Except(IngestRequest.Kinds).ToList();
        if (unknown.Count > 0)
            throw new IngestRequestException($"unknown source '{unknown[0]}'; the sources are {string.Join(", ", IngestRequest.Kinds)}.");
        bool Named(string kind) => request.Sources.Contains(kind);

        var sources = new List<IPaperSource>();
        AddRemote(sources, huggingFace, settings.HuggingFace.Enabled, "Papers:HuggingFace:Enabled", request.Everything || Named(IngestRequest.HuggingFace), Named(IngestRequest.HuggingFace), settings);
        AddRemote(sources, arxiv, settings.Arxiv.Enabled, "Papers:Arxiv:Enabled", request.Everything || Named(IngestRequest.Arxiv), Named(IngestRequest.Arxiv), settings);
        if (request.Everything || Named(IngestRequest.File))
        {
            if (Named(IngestRequest.File) && settings.Files.Count == 0)
                throw new IngestRequestException("no files are configured (Papers:Files); name one with --file.");
            sources.AddRange(settings.Files.Select(path => JsonFileSource.FromPath(path, time)));
        }
        sources.AddRange(request.Files.Select(path => JsonFileSource.FromPath(path, time)));
        if (Named(IngestRequest.Demo))
            sources.Add(JsonFileSource.Demo(time));
        return sources;
    }

    static void AddRemote(List<IPaperSource> sources, IPaperSource source, bool enabled, string enabledKey, bool wanted, bool named, PapersOptions settings)
    {
        if (!wanted)
            return;
        if (enabled && !settings.Offline)
            sources.Add(source);
        else if (named)
            throw new IngestRequestException(settings.Offline
                ? $"{source.Name} is off: Papers:Offline is true."
                : $"{source.Name} is off: {enabledKey} is false.");
    }

    async Task<SourceReport> RunSourceAsync(IPaperSource source, IngestWindow window, IProgress<IngestProgress>? progress, CancellationToken cancellationToken)
    {
        int fetched = 0, inserted = 0, updated = 0, rejected = 0, documents = 0;
        var errors = new List<string>();
        try
        {
            await foreach (var batch in source.FetchAsync(window, cancellationToken))
            {
                if (batch.Error is { } error)
                {
                    logger.LogError("Paper source {Source} could not read {Document}: {Error}", source.Name, batch.Document, error);
                    errors.Add($"{batch.Document}: {error}");
                    continue;
                }
                documents++;
                fetched += batch.Items.Count + batch.Unreadable.Count;
                var now = time.GetUtcNow();
                var papers = Check(source, batch, now, out var refused);
                rejected += refused;
                var outcome = await store.UpsertAsync(papers, source.Name, source.Authority, now, cancellationToken);
                inserted += outcome.New;
                updated += outcome.Updated;
                progress?.Report(new IngestProgress(source.Name, batch.Document, fetched, Done: false));
            }
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Whatever went wrong (the database, a bug in an adapter) stays with this source.
            logger.LogError(e, "Paper source {Source} failed: {Error}", source.Name, e.Message);
            errors.Add(e.Message);
        }
        progress?.Report(new IngestProgress(source.Name, "done", fetched, Done: true));
        logger.LogInformation("Ingested {Source}: {Fetched} fetched, {New} new, {Updated} updated, {Rejected} rejected, {Errors} errors",
            source.Name, fetched, inserted, updated, rejected, errors.Count);
        return new SourceReport(source.Name, fetched, inserted, updated, rejected, documents, errors);
    }

    List<Paper> Check(IPaperSource source, FetchedBatch batch, DateTimeOffset now, out int rejected)
    {
        rejected = 0;
        var papers = new Dictionary<string, Paper>();
        foreach (var rejection in batch.Unreadable)
        {
            Log(source, rejection);
            rejected++;
        }
        foreach (var item in batch.Items)
        {
            var (paper, rejection) = PaperRules.Check(item, now);
            if (rejection is not null)
            {
                Log(source, rejection);
                rejected++;
            }
            else
            {
                // A document that lists a paper twice: the first listing stands.
                papers.TryAdd(paper!.Id, paper);
            }
        }
        return papers.Values.ToList();
    }

    void Log(IPaperSource source, Rejection rejection) =>
        logger.LogWarning("Rejected {Source} item {Item}: {Rule}: {Detail}", source.Name, rejection.Item, rejection.Rule, rejection.Detail);
}

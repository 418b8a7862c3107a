using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Digest.Papers.Site;

/// <summary>
/// The day, paper and feed answers as last rendered, kept for <see cref="PapersOptions.PagesCacheFor"/>
/// (2 s): under load every request would otherwise read the same rows and render the same page,
/// while a page that lags a new upvote by two seconds is as good. Only answers worth keeping come
/// here (a page that exists); at most <see cref="MaxPages"/> at once, so no stream of distinct
/// addresses can grow it without bound.
/// </summary>
public sealed class RenderedPages(IOptionsMonitor<PapersOptions> options, TimeProvider clock)
{
    const int MaxPages = 10_000;

    readonly ConcurrentDictionary<string, (long Until, RenderedPage Page)> _pages = new(StringComparer.Ordinal);

    /// <param name="render">Null when there is nothing to keep (an unknown paper).</param>
    public async Task<RenderedPage?> GetAsync(string key, Func<Task<RenderedPage?>> render)
    {
        var now = clock.GetTimestamp();
        if (_pages.TryGetValue(key, out var kept) && now < kept.Until)
            return kept.Page;
        var page = await render();
        var keepFor = options.CurrentValue.PagesCacheFor;
        if (page is null || keepFor <= TimeSpan.Zero)
            return page;
        if (_pages.Count >= MaxPages)
            _pages.Clear();
        _pages[key] = (now + (long)(keepFor.TotalSeconds * clock.TimestampFrequency), page);
        return page;
    }
}

/// <summary>A rendered answer with its validators: the ETag is the hash of the body; HTTP dates have whole seconds.</summary>
public sealed record RenderedPage(string Body, string ContentType, string ETag, DateTimeOffset? LastModified)
{
    public static RenderedPage Of(string body, string contentType, DateTimeOffset? lastModified) => new(
        body,
        contentType,
        "\"" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)).AsSpan(0, 12)) + "\"",
        lastModified is { } at ? new DateTimeOffset(at.UtcTicks - at.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero) : null);

    public static RenderedPage Of(string body, string contentType, IReadOnlyList<PaperRow> papers) =>
        Of(body, contentType, papers.Count == 0 ? null : new DateTimeOffset(DateTime.SpecifyKind(papers.Max(p => p.UpdatedAt), DateTimeKind.Utc)));
}

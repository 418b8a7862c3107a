using System.Collections.Concurrent;
using Digest.Templates;

namespace Digest.Digests;

/// <summary>
/// The digest mail (templates/emails/digest.*) and its view-in-browser page, which is the mail's
/// HTML without the link to itself. Everything a template cannot decide (plurals, which topics to
/// name, where to cut an abstract, line wrapping) is decided in <see cref="DigestView"/>.
/// </summary>
/// <remarks>
/// Many subscribers get the same papers (shared topics, a few popular ones): a mail's paper list is
/// rendered once per distinct list and kept (<see cref="SharedDigest"/>), and only what is the
/// subscriber's own — their links, why they get it, the topics each paper matched — is put in per mail.
/// </remarks>
public sealed class DigestRenderer(TemplateRenderer templates)
{
    public const string TemplateName = "digest";

    /// <summary>
    /// Distinct paper lists kept (~75 KB each: a 37 KB mail held as UTF-16). A day has a long
    /// tail of lists only one or two subscribers get: when full, the less used half goes (and the
    /// rest's counts are halved, so yesterday's favourites age out), keeping the popular ones.
    /// </summary>
    public const int CacheCapacity = 512;

    readonly ConcurrentDictionary<SharedDigest.Key, Entry> _cache = new();
    readonly Lock _evicting = new();
    long _hits;
    long _misses;

    /// <summary>How often a mail's paper list was already rendered, since start.</summary>
    public (long Hits, long Misses) CacheCounts => (Interlocked.Read(ref _hits), Interlocked.Read(ref _misses));

    public RenderedEmail Render(DigestContent content)
    {
        if (!SharedDigest.CanShare(content))
            return RenderWhole(content);
        var key = new SharedDigest.Key(content);
        if (_cache.TryGetValue(key, out var entry))
        {
            Interlocked.Increment(ref _hits);
            Interlocked.Increment(ref entry.Uses);
            return entry.Digest.For(content);
        }
        Interlocked.Increment(ref _misses);
        var shared = SharedDigest.Render(templates, content);
        if (_cache.Count >= CacheCapacity)
            Evict();
        _cache.TryAdd(key, new Entry(shared));
        return shared.For(content);
    }

    void Evict()
    {
        lock (_evicting)
        {
            if (_cache.Count < CacheCapacity)
                return;
            var entries = _cache.ToArray();
            Array.Sort(entries, static (a, b) => a.Value.Uses.CompareTo(b.Value.Uses));
            foreach (var (key, _) in entries.AsSpan(0, entries.Length / 2))
                _cache.TryRemove(key, out _);
            foreach (var (_, kept) in entries.AsSpan(entries.Length / 2))
                kept.Uses /= 2;
        }
    }

    /// <summary>The mail rendered in full, without the shared paper list: what <see cref="Render"/> must equal.</summary>
    public RenderedEmail RenderWhole(DigestContent content) =>
        templates.RenderEmail(TemplateName, DigestView.Of(content, inBrowser: false));

    public string RenderPage(DigestContent content) =>
        templates.Render($"emails/{TemplateName}.html", DigestView.Of(content, inBrowser: true));

    sealed class Entry(SharedDigest digest)
    {
        public readonly SharedDigest Digest = digest;
        public int Uses;
    }
}

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
    /// Distinct paper lists kept (~75 KB each: a 37 KB mail held as UTF-16). When full it starts
    /// again empty: the popular lists come back at once, and memory stays bounded whatever the day.
    /// </summary>
    public const int CacheCapacity = 512;

    readonly ConcurrentDictionary<SharedDigest.Key, SharedDigest> _cache = new();
    int _cached;
    long _hits;
    long _misses;

    /// <summary>How often a mail's paper list was already rendered, since start.</summary>
    public (long Hits, long Misses) CacheCounts => (Interlocked.Read(ref _hits), Interlocked.Read(ref _misses));

    public RenderedEmail Render(DigestContent content)
    {
        if (!SharedDigest.CanShare(content))
            return RenderWhole(content);
        var key = new SharedDigest.Key(content);
        if (_cache.TryGetValue(key, out var shared))
        {
            Interlocked.Increment(ref _hits);
        }
        else
        {
            Interlocked.Increment(ref _misses);
            shared = SharedDigest.Render(templates, content);
            if (Interlocked.Increment(ref _cached) > CacheCapacity)
            {
                _cache.Clear();
                Interlocked.Exchange(ref _cached, 1);
            }
            _cache.TryAdd(key, shared);
        }
        return shared.For(content);
    }

    /// <summary>The mail rendered in full, without the shared paper list: what <see cref="Render"/> must equal.</summary>
    public RenderedEmail RenderWhole(DigestContent content) =>
        templates.RenderEmail(TemplateName, DigestView.Of(content, inBrowser: false));

    public string RenderPage(DigestContent content) =>
        templates.Render($"emails/{TemplateName}.html", DigestView.Of(content, inBrowser: true));
}

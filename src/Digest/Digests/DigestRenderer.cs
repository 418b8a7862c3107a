using System.Collections.Concurrent;
using System.Text;
using Digest.Templates;

namespace Digest.Digests;

/// <summary>
/// The digest mail (templates/emails/digest.*) and its view-in-browser page, which is the mail's
/// HTML without the link to itself. Everything a template cannot decide (plurals, which topics to
/// name, where to cut an abstract, line wrapping) is decided in <see cref="DigestView"/>.
/// </summary>
/// <remarks>
/// Most of a day's mails share a shape (how many papers, which values are there at all) though few
/// share their papers: the templates render once per shape (<see cref="SharedDigest"/>) and a mail is
/// that rendering with its own values put in. How a paper is shown at a position (wrapped, cut to an
/// excerpt) is the same in every mail and is kept too; only the subscriber's own values (links, why
/// they get it, the topics each paper matched) are worked out per mail.
/// </remarks>
public sealed class DigestRenderer
{
    public const string TemplateName = "digest";

    /// <summary>
    /// Shapes kept. A day has a few hundred; when full, the less used half goes (and the rest's
    /// counts are halved, so yesterday's favourites age out), keeping the common ones.
    /// </summary>
    public const int CacheCapacity = 512;

    /// <summary>Papers as shown at a position, kept: a day's new papers times the positions they reach; all go when full.</summary>
    public const int PaperCapacity = 16_384;

    readonly TemplateRenderer _templates;
    readonly Func<IssuePaper, int, int, Uri, PaperView> _shown;
    readonly ConcurrentDictionary<string, Entry> _cache = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<ShownPaper, PaperView> _papers = new();
    readonly Lock _evicting = new();
    long _hits;
    long _misses;

    /// <summary>Whether the templates write a paper's topics as a list of like items (<see cref="SharedDigest.TopicListsHold"/>); null until a mail with topics came.</summary>
    bool? _topicLists;

    public DigestRenderer(TemplateRenderer templates)
    {
        _templates = templates;
        _shown = Shown;
    }

    /// <summary>How often a mail's shape was already rendered, since start.</summary>
    public (long Hits, long Misses) CacheCounts => (Interlocked.Read(ref _hits), Interlocked.Read(ref _misses));

    /// <exception cref="Mailer.InvalidMessageException">The mail's text is not Unicode (an unpaired surrogate): it cannot be written.</exception>
    public DigestMail Render(DigestContent content) => Render(content, toSend: false);

    /// <summary>
    /// The mail as it is sent: its bodies quoted-printable already (<see cref="DigestMail.IsEncoded"/>),
    /// the shape's text encoded once and only the mail's own values per mail; not to be read as text.
    /// A mail rendered whole (its shape cannot be shared) comes as text, which the writer encodes.
    /// </summary>
    /// <inheritdoc cref="Render(DigestContent)" path="/exception"/>
    public DigestMail RenderToSend(DigestContent content) => Render(content, toSend: true);

    DigestMail Render(DigestContent content, bool toSend)
    {
        try
        {
            return RenderShared(content, toSend);
        }
        catch (EncoderFallbackException e)
        {
            throw new Mailer.InvalidMessageException("digest", $"is not valid Unicode: an unpaired surrogate (U+{(int)e.CharUnknown:X4}).");
        }
    }

    DigestMail RenderShared(DigestContent content, bool toSend)
    {
        var view = DigestView.Of(content, inBrowser: false, _shown);
        // Asked once, of the first mail with topics to show: the templates do not change while running.
        var topicLists = _topicLists ??= view.Papers.Any(p => p.Topics.Count > 0) ? SharedDigest.TopicListsHold(_templates, view) : null;
        var (shape, values) = SharedDigest.Read(view, topicLists == true);
        if (_cache.TryGetValue(shape, out var entry))
        {
            Interlocked.Increment(ref _hits);
            Interlocked.Increment(ref entry.Uses);
            return Of(entry.Digest);
        }
        Interlocked.Increment(ref _misses);
        var shared = SharedDigest.Render(_templates, view, topicLists == true);
        if (_cache.Count >= CacheCapacity)
            Evict();
        _cache.TryAdd(shape, new Entry(shared));
        return Of(shared);

        DigestMail Of(SharedDigest? digest) =>
            digest is null ? DigestMail.Of(RenderWhole(content))
            : toSend ? digest.ForSending(values, _templates)
            : digest.For(values, _templates);
    }

    PaperView Shown(IssuePaper paper, int number, int numberWidth, Uri siteUrl)
    {
        var key = new ShownPaper(paper, number, numberWidth, siteUrl);
        if (_papers.TryGetValue(key, out var shown))
            return shown;
        if (_papers.Count >= PaperCapacity)
            _papers.Clear();
        shown = PaperView.Shown(paper, number, numberWidth, siteUrl);
        _papers.TryAdd(key, shown);
        return shown;
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

    /// <summary>The mail rendered in full, without the shared rendering: what <see cref="Render"/> must equal.</summary>
    public RenderedEmail RenderWhole(DigestContent content) =>
        _templates.RenderEmail(TemplateName, DigestView.Of(content, inBrowser: false));

    public string RenderPage(DigestContent content) =>
        _templates.Render($"emails/{TemplateName}.html", DigestView.Of(content, inBrowser: true));

    /// <summary>A shape's rendering; none when this shape cannot be shared (its mails are rendered whole).</summary>
    sealed class Entry(SharedDigest? digest)
    {
        public readonly SharedDigest? Digest = digest;
        public int Uses;
    }

    /// <summary>
    /// A paper at a position, compared on everything <see cref="PaperView.Shown"/> reads (not the
    /// subscriber's topics): a paper whose title or upvotes changed is shown anew. The issue reader
    /// gives the same string instances from mail to mail, so the comparisons are mostly by reference.
    /// </summary>
    readonly struct ShownPaper(IssuePaper paper, int number, int numberWidth, Uri siteUrl) : IEquatable<ShownPaper>
    {
        readonly IssuePaper _paper = paper;
        readonly int _number = number;
        readonly int _numberWidth = numberWidth;
        readonly Uri _siteUrl = siteUrl;

        public bool Equals(ShownPaper other)
        {
            var (p, q) = (_paper, other._paper);
            return _number == other._number && _numberWidth == other._numberWidth && _siteUrl == other._siteUrl
                && p.Id == q.Id && p.Upvotes == q.Upvotes && p.Title == q.Title && p.Abstract == q.Abstract
                && p.PageUrl == q.PageUrl && p.PdfUrl == q.PdfUrl && p.CodeUrl == q.CodeUrl
                && (ReferenceEquals(p.Authors, q.Authors) || p.Authors.SequenceEqual(q.Authors, StringComparer.Ordinal));
        }

        public override bool Equals(object? obj) => obj is ShownPaper other && Equals(other);

        public override int GetHashCode() => HashCode.Combine(StringComparer.Ordinal.GetHashCode(_paper.Id), _paper.Upvotes, _number, _numberWidth);
    }
}

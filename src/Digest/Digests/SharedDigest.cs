using System.Globalization;
using System.Security.Cryptography;
using Digest.Templates;

namespace Digest.Digests;

/// <summary>
/// A digest mail rendered once for every subscriber who gets the same papers: the templates'
/// output with a marker wherever a subscriber's own value goes — their links, why they get it, and
/// which of their topics each paper matched (so also the subject naming them) — split at the
/// markers, so a mail is the pieces and that subscriber's values put together. Two subscribers
/// share a rendering when they get the same papers with as many matched topics each.
/// </summary>
/// <remarks>
/// The templates may only print a value, escaped or not, test it, or loop over a list
/// (TemplateSyntax allows no other helper), so a marker comes out of any template either as itself
/// or HTML-escaped, and a list of markers loops as the subscriber's list would. A marker ends in
/// "&lt;", which escaping changes: the piece after it says which way it was written, and the
/// subscriber's value is written the same way.
/// </remarks>
internal sealed class SharedDigest
{
    /// <summary>The values that are each subscriber's own, numbered; then per paper its details line and up to ten topics.</summary>
    enum Slot
    {
        ManageUrl,
        UnsubscribeUrl,
        ViewUrl,
        Why,
        WhyText,
        Subject,
        TopicSummary,
        FirstPaper,
    }

    /// <summary>A paper's slots: its plain-text details line, then its topics (a subscriber has at most ten).</summary>
    const int PaperSlots = 11;

    /// <summary>Random per process: paper text from outside cannot guess it.</summary>
    static readonly string Marker = "dgst" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));

    readonly TemplateRenderer _templates;
    readonly Part[] _subject;
    readonly Part[] _html;
    readonly Part[] _text;

    SharedDigest(TemplateRenderer templates, Part[] subject, Part[] html, Part[] text)
    {
        _templates = templates;
        _subject = subject;
        _html = html;
        _text = text;
    }

    /// <summary>Whether every paper's topics fit its slots (a subscriber has at most ten topics; an odd issue is rendered whole).</summary>
    public static bool CanShare(DigestContent content)
    {
        foreach (var paper in content.Papers)
        {
            if (paper.Topics.Count >= PaperSlots)
                return false;
        }
        return true;
    }

    public static SharedDigest Render(TemplateRenderer templates, DigestContent content)
    {
        var view = DigestView.Of(content, inBrowser: false);
        var papers = new List<PaperView>(view.Papers.Count);
        for (var i = 0; i < view.Papers.Count; i++)
        {
            var paper = view.Papers[i];
            var topics = new string[paper.Topics.Count];
            for (var j = 0; j < topics.Length; j++)
                topics[j] = MarkerOf(PaperSlot(i) + 1 + j);
            papers.Add(paper with { Topics = topics, TextDetails = paper.TextDetails is null ? null : MarkerOf(PaperSlot(i)) });
        }
        view = view with
        {
            Subject = MarkerOf((int)Slot.Subject),
            TopicSummary = view.TopicSummary is null ? null : MarkerOf((int)Slot.TopicSummary),
            Papers = papers,
            ManageUrl = MarkerOf((int)Slot.ManageUrl),
            UnsubscribeUrl = MarkerOf((int)Slot.UnsubscribeUrl),
            ViewUrl = MarkerOf((int)Slot.ViewUrl),
            Why = MarkerOf((int)Slot.Why),
            WhyText = MarkerOf((int)Slot.WhyText),
        };
        var escapedEnd = templates.Escape("<");
        var name = DigestRenderer.TemplateName;
        var subject = Split(templates.Render($"emails/{name}.subject.txt", view), escapedEnd);
        // Made one line now when it holds nothing of the subscriber's, otherwise per mail.
        if (subject.Length == 1)
            subject = [subject[0] with { Text = TemplateRenderer.OneLine(subject[0].Text) }];
        return new SharedDigest(templates,
            subject,
            Split(templates.Render($"emails/{name}.html", view), escapedEnd),
            Split(templates.Render($"emails/{name}.txt", view), escapedEnd));
    }

    /// <summary>This subscriber's mail.</summary>
    public RenderedEmail For(DigestContent content)
    {
        var values = new Values(_templates, SlotValues(content));
        var subject = Join(_subject, values);
        return new RenderedEmail(_subject.Length == 1 ? subject : TemplateRenderer.OneLine(subject), Join(_html, values), Join(_text, values));
    }

    /// <summary>The subscriber's own values, worded exactly as <see cref="DigestView"/> words them.</summary>
    static string?[] SlotValues(DigestContent content)
    {
        var papers = content.Papers;
        var values = new string?[PaperSlot(papers.Count)];
        var why = DigestView.WhyOf(content);
        var (subject, topicSummary) = DigestView.SubjectOf(content);
        values[(int)Slot.ManageUrl] = content.ManageUrl.AbsoluteUri;
        values[(int)Slot.UnsubscribeUrl] = content.UnsubscribeUrl.AbsoluteUri;
        values[(int)Slot.ViewUrl] = content.ViewUrl.AbsoluteUri;
        values[(int)Slot.Why] = why;
        values[(int)Slot.WhyText] = DigestView.WhyTextOf(why);
        values[(int)Slot.Subject] = subject;
        values[(int)Slot.TopicSummary] = topicSummary;
        var numberWidth = DigestView.NumberWidth(papers.Count);
        for (var i = 0; i < papers.Count; i++)
        {
            var topics = PaperView.TopicsOf(papers[i]);
            values[PaperSlot(i)] = PaperView.DetailsOf(papers[i], topics, numberWidth);
            for (var j = 0; j < topics.Count && j < PaperSlots - 1; j++)
                values[PaperSlot(i) + 1 + j] = topics[j];
        }
        return values;
    }

    static int PaperSlot(int paper) => (int)Slot.FirstPaper + paper * PaperSlots;

    static string MarkerOf(int slot) => Marker + slot.ToString(CultureInfo.InvariantCulture) + "<";

    static Part[] Split(string rendered, string escapedEnd)
    {
        var parts = new List<Part>();
        var span = rendered.AsSpan();
        var start = 0;
        var from = 0;
        while (true)
        {
            var at = span[from..].IndexOf(Marker, StringComparison.Ordinal);
            if (at < 0)
                break;
            at += from;
            var next = at + Marker.Length;
            var digits = span[next..].IndexOfAnyExceptInRange('0', '9');
            var rest = digits < 0 ? [] : span[(next + digits)..];
            var escaped = rest.StartsWith(escapedEnd, StringComparison.Ordinal);
            if (digits <= 0 || !(escaped || rest.StartsWith("<", StringComparison.Ordinal)))
            {
                from = next;
                continue;
            }
            var slot = int.Parse(span.Slice(next, digits), CultureInfo.InvariantCulture);
            parts.Add(new Part(rendered[start..at], slot, escaped));
            start = from = next + digits + (escaped ? escapedEnd.Length : 1);
        }
        parts.Add(new Part(rendered[start..], null, false));
        return parts.ToArray();
    }

    static string Join(Part[] parts, Values values)
    {
        if (parts.Length == 1)
            return parts[0].Text;
        var length = 0;
        foreach (var part in parts)
            length += part.Text.Length + (part.Slot is { } slot ? values.Get(slot, part.Escaped).Length : 0);
        return string.Create(length, (parts, values), static (target, state) =>
        {
            foreach (var part in state.parts)
            {
                part.Text.CopyTo(target);
                target = target[part.Text.Length..];
                if (part.Slot is { } slot)
                {
                    var value = state.values.Get(slot, part.Escaped);
                    value.CopyTo(target);
                    target = target[value.Length..];
                }
            }
        });
    }

    /// <summary>Template output up to a subscriber's value (none after the last piece).</summary>
    readonly record struct Part(string Text, int? Slot, bool Escaped);

    /// <summary>One subscriber's values, each escaped only if a template writes it escaped, and then once.</summary>
    sealed class Values(TemplateRenderer templates, string?[] raw)
    {
        readonly string?[] _escaped = new string?[raw.Length];

        public string Get(int slot, bool escaped) =>
            escaped ? _escaped[slot] ??= templates.Escape(raw[slot] ?? "") : raw[slot] ?? "";
    }

    /// <summary>
    /// What the shared rendering depends on: everything in the content but the subscriber's own
    /// values, compared in full (the hash looks at the cheap parts only); of the matched topics,
    /// only how many each paper shows.
    /// </summary>
    public sealed class Key(DigestContent content) : IEquatable<Key>
    {
        readonly DigestContent _content = content;

        public bool Equals(Key? other)
        {
            if (other is null)
                return false;
            var (a, b) = (_content, other._content);
            if (a.Period != b.Period || a.Frequency != b.Frequency || a.SiteUrl != b.SiteUrl || a.Papers.Count != b.Papers.Count)
                return false;
            for (var i = 0; i < a.Papers.Count; i++)
            {
                var (p, q) = (a.Papers[i], b.Papers[i]);
                if (p.Id != q.Id || p.Upvotes != q.Upvotes || p.Title != q.Title || p.Abstract != q.Abstract
                    || p.PageUrl != q.PageUrl || p.PdfUrl != q.PdfUrl || p.CodeUrl != q.CodeUrl
                    || ShownTopics(p) != ShownTopics(q) || !p.Authors.SequenceEqual(q.Authors, StringComparer.Ordinal))
                    return false;
            }
            return true;
        }

        public override bool Equals(object? obj) => Equals(obj as Key);

        public override int GetHashCode()
        {
            var hash = new HashCode();
            hash.Add(_content.Period);
            hash.Add(_content.Frequency);
            foreach (var paper in _content.Papers)
            {
                hash.Add(paper.Id, StringComparer.Ordinal);
                hash.Add(paper.Upvotes);
                hash.Add(ShownTopics(paper));
            }
            return hash.ToHashCode();
        }

        /// <summary>How many topic labels the paper shows (a blank one is not shown).</summary>
        static int ShownTopics(IssuePaper paper)
        {
            var shown = 0;
            foreach (var topic in paper.Topics)
            {
                if (!string.IsNullOrWhiteSpace(topic))
                    shown++;
            }
            return shown;
        }
    }
}

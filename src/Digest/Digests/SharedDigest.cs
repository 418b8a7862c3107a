using System.Security.Cryptography;
using Digest.Templates;

namespace Digest.Digests;

/// <summary>
/// A digest mail rendered once for every subscriber who gets the same papers: the templates'
/// output with a marker wherever a subscriber's own value goes (their links, why they get it),
/// split at the markers, so a mail is the pieces and that subscriber's values put together.
/// </summary>
/// <remarks>
/// The templates may only print a value, escaped or not, or test it (TemplateSyntax allows no other
/// helper), so a marker comes out of any template either as itself or HTML-escaped. It ends in
/// "&lt;", which escaping changes: the piece after it says which way it was written, and the
/// subscriber's value is written the same way.
/// </remarks>
internal sealed class SharedDigest
{
    /// <summary>The values that are each subscriber's own, in marker order.</summary>
    enum Slot
    {
        ManageUrl,
        UnsubscribeUrl,
        ViewUrl,
        Why,
        WhyText,
    }

    const int Slots = 5;

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

    public static SharedDigest Render(TemplateRenderer templates, DigestContent content)
    {
        var view = DigestView.Of(content, inBrowser: false) with
        {
            ManageUrl = MarkerOf(Slot.ManageUrl),
            UnsubscribeUrl = MarkerOf(Slot.UnsubscribeUrl),
            ViewUrl = MarkerOf(Slot.ViewUrl),
            Why = MarkerOf(Slot.Why),
            WhyText = MarkerOf(Slot.WhyText),
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
        var why = DigestView.WhyOf(content);
        var values = new Values(_templates, [
            content.ManageUrl.AbsoluteUri, content.UnsubscribeUrl.AbsoluteUri, content.ViewUrl.AbsoluteUri, why, DigestView.WhyTextOf(why),
        ]);
        var subject = Join(_subject, values);
        return new RenderedEmail(_subject.Length == 1 ? subject : TemplateRenderer.OneLine(subject), Join(_html, values), Join(_text, values));
    }

    static string MarkerOf(Slot slot) => Marker + (int)slot + "<";

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
            var slot = next < span.Length ? span[next] - '0' : -1;
            var rest = span[Math.Min(next + 1, span.Length)..];
            var escaped = rest.StartsWith(escapedEnd, StringComparison.Ordinal);
            if (slot is < 0 or >= Slots || !(escaped || rest.StartsWith("<", StringComparison.Ordinal)))
            {
                from = next;
                continue;
            }
            parts.Add(new Part(rendered[start..at], (Slot)slot, escaped));
            start = from = next + 1 + (escaped ? escapedEnd.Length : 1);
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
    readonly record struct Part(string Text, Slot? Slot, bool Escaped);

    /// <summary>One subscriber's values, each escaped only if a template writes it escaped, and then once.</summary>
    sealed class Values(TemplateRenderer templates, string[] raw)
    {
        readonly string?[] _escaped = new string?[Slots];

        public string Get(Slot slot, bool escaped) =>
            escaped ? _escaped[(int)slot] ??= templates.Escape(raw[(int)slot]) : raw[(int)slot];
    }

    /// <summary>
    /// What the shared part of a mail depends on: everything in the content but the subscriber's
    /// own values, compared in full (the hash looks at the cheap parts only).
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
                    || !p.Authors.SequenceEqual(q.Authors, StringComparer.Ordinal) || !p.Topics.SequenceEqual(q.Topics, StringComparer.Ordinal))
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
                foreach (var topic in paper.Topics)
                    hash.Add(topic, StringComparer.Ordinal);
            }
            return hash.ToHashCode();
        }
    }
}

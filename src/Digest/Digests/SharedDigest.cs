using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Digest.Templates;

namespace Digest.Digests;

/// <summary>
/// A digest mail rendered once for every mail of the same shape: the templates' output with a
/// marker wherever the view has a value to print, split at the markers, so a mail is the pieces
/// and that mail's values put together. The shape is what the templates decide on: how many papers,
/// how many topics each shows, which values are missing or empty (a test sees those), and the
/// flags; every value itself (subject, links, titles, excerpts, topics) is the mail's own.
/// </summary>
/// <remarks>
/// The templates may only print a value, escaped or not, test it, or loop over a list
/// (TemplateSyntax allows no other helper), so a marker comes out of any template either as itself
/// or HTML-escaped, and a list of markers loops as the mail's list would. A marker ends in "&lt;",
/// which escaping changes: the piece after it says which way it was written, and the value is
/// written the same way. A value that is null or empty is left in the view as it is (a template's
/// test must see it as missing), and is part of the shape.
/// </remarks>
internal sealed class SharedDigest
{
    /// <summary>Random per process: paper text from outside cannot guess it.</summary>
    static readonly string Marker = "dgst" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));

    readonly Part[] _subject;
    readonly Part[] _html;
    readonly Part[] _text;

    SharedDigest(Part[] subject, Part[] html, Part[] text)
    {
        _subject = subject;
        _html = html;
        _text = text;
    }

    /// <summary>Renders the templates once for every mail shaped like <paramref name="view"/>.</summary>
    public static SharedDigest Render(TemplateRenderer templates, DigestView view)
    {
        var marked = Walk(view, new Slots(marking: true));
        var escapedEnd = templates.Escape("<");
        var name = DigestRenderer.TemplateName;
        var subject = Split(templates.Render($"emails/{name}.subject.txt", marked), escapedEnd);
        // Made one line now when it holds no value, otherwise per mail.
        if (subject.Length == 1)
            subject = [subject[0] with { Text = TemplateRenderer.OneLine(subject[0].Text) }];
        return new SharedDigest(
            subject,
            Split(templates.Render($"emails/{name}.html", marked), escapedEnd),
            Split(templates.Render($"emails/{name}.txt", marked), escapedEnd));
    }

    /// <summary>What the rendering of <paramref name="view"/> depends on, and its values in slot order.</summary>
    public static (string Shape, List<Value> Values) Read(DigestView view)
    {
        var slots = new Slots(marking: false);
        Walk(view, slots);
        return (slots.Shape.ToString(), slots.Values);
    }

    /// <summary>The mail of these values (from <see cref="Read"/> on a view of this shape).</summary>
    public RenderedEmail For(List<Value> values, Escaper escaper)
    {
        var mail = new MailValues(values, escaper);
        var subject = Join(_subject, mail);
        return new RenderedEmail(_subject.Length == 1 ? subject : TemplateRenderer.OneLine(subject), Join(_html, mail), Join(_text, mail));
    }

    /// <summary>
    /// Every value the templates can print, in one fixed order, each through <paramref name="slots"/>
    /// (which records it and, when marking, puts its marker in its place); the tests and lists the
    /// templates decide on go into the shape. The one place that knows the view's fields: rendering
    /// and reading a mail's values both walk it, so their slots line up.
    /// </summary>
    static DigestView Walk(DigestView view, Slots slots)
    {
        slots.Note(view.InBrowser ? 'B' : 'M');
        var top = view with
        {
            Subject = slots.Add(view.Subject)!,
            Headline = slots.Add(view.Headline)!,
            TopicSummary = slots.Add(view.TopicSummary),
            When = slots.Add(view.When)!,
            Preheader = slots.Add(view.Preheader)!,
            Why = slots.Add(view.Why)!,
            WhyText = slots.Add(view.WhyText)!,
            Schedule = slots.Add(view.Schedule)!,
            ManageUrl = slots.Add(view.ManageUrl)!,
            UnsubscribeUrl = slots.Add(view.UnsubscribeUrl)!,
            ViewUrl = slots.Add(view.ViewUrl)!,
            SiteUrl = slots.Add(view.SiteUrl)!,
        };
        var papers = new List<PaperView>(view.Papers.Count);
        foreach (var paper in view.Papers)
        {
            slots.Note(paper.HasLinks ? 'L' : 'P');
            // A paper's own text is the same in every mail that shows it at this position: its
            // escaped form is kept with it (see Escaper), the subscriber's topics are not.
            var marked = paper with
            {
                Number = slots.Add(paper.Number, shared: true)!,
                Title = slots.Add(paper.Title, shared: true)!,
                Url = slots.Add(paper.Url, shared: true),
                Authors = slots.Add(paper.Authors, shared: true),
                Upvotes = slots.Add(paper.Upvotes, shared: true),
                Excerpt = slots.Add(paper.Excerpt, shared: true)!,
                PageUrl = slots.Add(paper.PageUrl, shared: true),
                PdfUrl = slots.Add(paper.PdfUrl, shared: true),
                CodeUrl = slots.Add(paper.CodeUrl, shared: true),
                TextTitle = slots.Add(paper.TextTitle, shared: true)!,
                TextAuthors = slots.Add(paper.TextAuthors, shared: true),
                TextDetails = slots.Add(paper.TextDetails),
                TextExcerpt = slots.Add(paper.TextExcerpt, shared: true)!,
            };
            slots.Note(paper.Topics.Count.ToString(CultureInfo.InvariantCulture));
            var topics = new string[paper.Topics.Count];
            for (var i = 0; i < topics.Length; i++)
                topics[i] = slots.Add(paper.Topics[i])!;
            papers.Add(marked with { Topics = topics });
        }
        return top with { Papers = papers };
    }

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

    static string Join(Part[] parts, MailValues values)
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

    /// <summary>Template output up to a value (none after the last piece).</summary>
    readonly record struct Part(string Text, int? Slot, bool Escaped);

    /// <summary>A value of the view, and whether it is a paper's own text (the same in every mail that shows the paper there).</summary>
    public readonly record struct Value(string? Text, bool Shared);

    /// <summary>Records the view's values in slot order and its shape; when marking, returns each value's marker.</summary>
    sealed class Slots(bool marking)
    {
        public List<Value> Values { get; } = new(256);

        public StringBuilder Shape { get; } = new(128);

        public string? Add(string? value, bool shared = false)
        {
            if (string.IsNullOrEmpty(value))
            {
                // Missing or empty: a template's test sees it so, so it stays and is part of the shape.
                Shape.Append(value is null ? 'n' : 'e');
                Values.Add(new Value(value, false));
                return value;
            }
            Shape.Append('v');
            Values.Add(new Value(value, shared));
            return marking ? MarkerOf(Values.Count - 1) : value;
        }

        public void Note(char c) => Shape.Append(c);

        /// <summary>A count, ended so that the next note cannot run into it.</summary>
        public void Note(string count) => Shape.Append(count).Append(';');
    }

    /// <summary>One mail's values, each escaped only if a template writes it escaped, and then once.</summary>
    sealed class MailValues(List<Value> values, Escaper escaper)
    {
        readonly string?[] _escaped = new string?[values.Count];

        public string Get(int slot, bool escaped)
        {
            var value = values[slot];
            if (!escaped)
                return value.Text ?? "";
            return _escaped[slot] ??= escaper.Escape(value.Text ?? "", value.Shared);
        }
    }

    /// <summary>
    /// HTML-escapes values exactly as the templates do (<see cref="TemplateRenderer.Escape"/>), cheaply:
    /// a value with none of the characters the templates' encoder changes is its own escaped form,
    /// and a paper's own text, the same string in every mail that shows it, is escaped once.
    /// </summary>
    public sealed class Escaper
    {
        readonly TemplateRenderer _templates;
        readonly SearchValues<char> _unchanged;
        readonly ConditionalWeakTable<string, string> _shared = new();
        readonly ConditionalWeakTable<string, string>.CreateValueCallback _escape;

        public Escaper(TemplateRenderer templates)
        {
            _templates = templates;
            _escape = templates.Escape;
            // Asked of the encoder itself, not assumed: the printable ASCII characters it leaves alone.
            var unchanged = new StringBuilder();
            for (var c = ' '; c <= '~'; c++)
            {
                var one = c.ToString();
                if (templates.Escape(one) == one)
                    unchanged.Append(c);
            }
            _unchanged = SearchValues.Create(unchanged.ToString());
        }

        public string Escape(string value, bool shared)
        {
            if (!value.AsSpan().ContainsAnyExcept(_unchanged))
                return value;
            if (!shared)
                return _templates.Escape(value);
            return _shared.GetValue(value, _escape);
        }
    }
}

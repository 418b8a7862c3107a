using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Digest.Mailer;
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
/// A paper's matched topics would make every mix of counts a shape of its own (15 papers showing
/// one or two topics each: thousands). Where the templates loop over topics the same way for each
/// one (checked once: two topics and three must render alike but for one more item), a paper's
/// topics are one list in the shape, "some", written per mail as items with the separator the
/// templates put between two of them; otherwise each count is part of the shape.
/// </remarks>
internal sealed class SharedDigest
{
    /// <summary>Random per process: paper text from outside cannot guess it.</summary>
    static readonly string Marker = "dgst" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));

    /// <summary>Topic markers are numbered from here: paper × <see cref="TopicStride"/> + topic.</summary>
    const int FirstTopicSlot = 1_000_000;

    const int TopicStride = 1_000;

    /// <summary>Strict, as the mail writer is: text that is not Unicode fails rather than turning into U+FFFD.</summary>
    internal static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    readonly Piece[] _subject;
    readonly Piece[] _html;
    readonly Piece[] _text;

    /// <summary>The pieces' text and separators as UTF-8, made once: a mail is written as bytes (the subject then read back).</summary>
    readonly Utf8Piece[] _subjectUtf8;
    readonly Utf8Piece[] _htmlUtf8;
    readonly Utf8Piece[] _textUtf8;

    /// <summary>
    /// The bodies' pieces and separators already quoted-printable, made once: a mail to send is
    /// these joined with its values (<see cref="ForSending"/>), so only its own values are encoded.
    /// </summary>
    readonly EncodedPiece[] _htmlEncoded;
    readonly EncodedPiece[] _textEncoded;

    /// <summary>The longest encoded bodies so far: where a mail's bodies start (mails of a shape differ a little).</summary>
    int _htmlLength;
    int _textLength;

    SharedDigest(Piece[] subject, Piece[] html, Piece[] text)
    {
        _subject = subject;
        _html = html;
        _text = text;
        _subjectUtf8 = Array.ConvertAll(subject, Utf8Piece.Of);
        _htmlUtf8 = Array.ConvertAll(html, Utf8Piece.Of);
        _textUtf8 = Array.ConvertAll(text, Utf8Piece.Of);
        _htmlEncoded = Array.ConvertAll(_htmlUtf8, EncodedPiece.Of);
        _textEncoded = Array.ConvertAll(_textUtf8, EncodedPiece.Of);
    }

    /// <summary>
    /// Renders the templates once for every mail shaped like <paramref name="view"/>; with
    /// <paramref name="topicLists"/>, each paper's topics as a list (see <see cref="TopicListsHold"/>).
    /// </summary>
    /// <returns>Null when the topics were to be lists but this shape's rendering does not write them as one (each such mail is rendered whole).</returns>
    public static SharedDigest? Render(TemplateRenderer templates, DigestView view, bool topicLists)
    {
        var (subject, html, text) = RenderParts(templates, view, topicLists ? 2 : null);
        if (topicLists && subject.Concat(html).Concat(text).Any(p => p.Kind == PieceKind.Topic))
            return null;
        // Made one line now when it holds no value, otherwise per mail.
        if (subject.Length == 1)
            subject = [subject[0] with { Text = TemplateRenderer.OneLine(subject[0].Text) }];
        return new SharedDigest(subject, html, text);
    }

    /// <summary>
    /// Whether these templates write a paper's topics as a list of like items: rendered with two
    /// topics a paper and with three, every piece must be the same but for one more item, with the
    /// same separator. Asked of the templates themselves (an operator's may number or join them).
    /// </summary>
    public static bool TopicListsHold(TemplateRenderer templates, DigestView view)
    {
        if (!view.Papers.Any(p => p.Topics.Count > 0))
            return false;
        var two = RenderParts(templates, view, 2);
        var three = RenderParts(templates, view, 3);
        return Same(two.Subject, three.Subject) && Same(two.Html, three.Html) && Same(two.Text, three.Text);

        static bool Same(Piece[] a, Piece[] b) => a.AsSpan().SequenceEqual(b);
    }

    static (Piece[] Subject, Piece[] Html, Piece[] Text) RenderParts(TemplateRenderer templates, DigestView view, int? topicMarkers)
    {
        var marked = Walk(view, new Slots(marking: true, topicMarkers));
        var escapedEnd = templates.Escape("<");
        var name = DigestRenderer.TemplateName;
        return (
            Pieces(Split(templates.Render($"emails/{name}.subject.txt", marked), escapedEnd), topicMarkers),
            Pieces(Split(templates.Render($"emails/{name}.html", marked), escapedEnd), topicMarkers),
            Pieces(Split(templates.Render($"emails/{name}.txt", marked), escapedEnd), topicMarkers));
    }

    /// <summary>
    /// What the rendering of <paramref name="view"/> depends on, and its values: slot by slot, and
    /// each paper's topics. With <paramref name="topicLists"/>, a paper's topics count in the shape
    /// only as none or some.
    /// </summary>
    public static (string Shape, Values Values) Read(DigestView view, bool topicLists)
    {
        var slots = new Slots(marking: false, topicLists ? 2 : null);
        Walk(view, slots);
        return (slots.Shape.ToString(), new Values(slots.Values, slots.Topics));
    }

    /// <summary>The mail of these values (from <see cref="Read"/> on a view of this shape).</summary>
    /// <exception cref="EncoderFallbackException">A value is not Unicode (an unpaired surrogate).</exception>
    /// <param name="templates">Escapes values as the templates do (<see cref="TemplateRenderer.Escape"/>).</param>
    public DigestMail For(Values values, TemplateRenderer templates)
    {
        var mail = new MailValues(values, templates);
        var subject = Subject(mail);
        var html = JoinUtf8(_html, _htmlUtf8, mail);
        try
        {
            var text = JoinUtf8(_text, _textUtf8, mail);
            return DigestMail.OfRented(subject, html.Bytes, html.Length, text.Bytes, text.Length);
        }
        catch
        {
            DigestMail.Return(html.Bytes);
            throw;
        }
    }

    /// <summary>
    /// The mail of these values as it is sent: its bodies quoted-printable, this shape's pieces as
    /// they were encoded once (a paper's own text as its view keeps it encoded) and only the mail's
    /// own values encoded now. Not to be read as text (<see cref="For"/> is).
    /// </summary>
    /// <inheritdoc cref="For" path="/exception"/>
    public DigestMail ForSending(Values values, TemplateRenderer templates)
    {
        var mail = new MailValues(values, templates);
        var subject = Subject(mail);
        var html = JoinEncoded(_html, _htmlEncoded, mail, ref _htmlLength);
        try
        {
            return DigestMail.OfEncoded(subject, html, JoinEncoded(_text, _textEncoded, mail, ref _textLength));
        }
        catch
        {
            html.Dispose();
            throw;
        }
    }

    string Subject(MailValues mail)
    {
        // A subject without values was made one line with the shape (see Render).
        return _subject.Length == 1 ? _subject[0].Text : OneLine(JoinUtf8(_subject, _subjectUtf8, mail));

        static string OneLine((byte[] Bytes, int Length) joined)
        {
            try
            {
                return TemplateRenderer.OneLine(StrictUtf8.GetString(joined.Bytes, 0, joined.Length));
            }
            finally
            {
                DigestMail.Return(joined.Bytes);
            }
        }
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
            slots.BeginPaper(paper);
            // A paper's own text is the same in every mail that shows it at this position: its
            // UTF-8 is kept with the view (Utf8Memo), the subscriber's topics are not.
            var marked = paper with
            {
                Number = slots.AddOwn(paper.Number)!,
                Title = slots.AddOwn(paper.Title)!,
                Url = slots.AddOwn(paper.Url),
                Authors = slots.AddOwn(paper.Authors),
                Upvotes = slots.AddOwn(paper.Upvotes),
                Excerpt = slots.AddOwn(paper.Excerpt)!,
                PageUrl = slots.AddOwn(paper.PageUrl),
                PdfUrl = slots.AddOwn(paper.PdfUrl),
                CodeUrl = slots.AddOwn(paper.CodeUrl),
                TextTitle = slots.AddOwn(paper.TextTitle)!,
                TextAuthors = slots.AddOwn(paper.TextAuthors),
                TextDetails = slots.Add(paper.TextDetails),
                TextExcerpt = slots.AddOwn(paper.TextExcerpt)!,
            };
            papers.Add(marked with { Topics = slots.AddTopics(papers.Count, paper.Topics) });
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

    /// <summary>
    /// The split output as pieces to join: text, then a slot's value, a topic, or (where the
    /// topics are lists) a paper's topic list: its first marker's piece, whose next piece (up to the
    /// second marker) is the separator, not written as such.
    /// </summary>
    static Piece[] Pieces(Part[] parts, int? topicMarkers)
    {
        var pieces = new List<Piece>(parts.Length);
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            if (part.Slot is not { } slot)
            {
                pieces.Add(new Piece(part.Text, PieceKind.Text, 0, 0, false, null));
                continue;
            }
            if (slot < FirstTopicSlot)
            {
                pieces.Add(new Piece(part.Text, PieceKind.Value, slot, 0, part.Escaped, null));
                continue;
            }
            var (paper, topic) = Math.DivRem(slot - FirstTopicSlot, TopicStride);
            if (topicMarkers is null)
            {
                pieces.Add(new Piece(part.Text, PieceKind.Topic, paper, topic, part.Escaped, null));
                continue;
            }
            // A list of like items: the first marker, the separator up to the second, and the
            // later markers (their pieces are the separator again) stand for every topic.
            if (topic == 0 && IsList(parts, i, topicMarkers.Value))
            {
                pieces.Add(new Piece(part.Text, PieceKind.TopicList, paper, 0, part.Escaped, parts[i + 1].Text));
                i += topicMarkers.Value - 1;
                continue;
            }
            // Not a list of like items after all: the check (TopicListsHold) fails on this.
            pieces.Add(new Piece(part.Text, PieceKind.Topic, paper, topic, part.Escaped, null));
        }
        return pieces.ToArray();
    }

    /// <summary>Whether the parts from <paramref name="first"/> are a paper's topic markers in order, written alike, with one separator between each two.</summary>
    static bool IsList(Part[] parts, int first, int markers)
    {
        if (first + markers > parts.Length)
            return false;
        var (slot, escaped, separator) = (parts[first].Slot, parts[first].Escaped, parts[first + 1].Text);
        for (var j = 1; j < markers; j++)
        {
            var part = parts[first + j];
            if (part.Slot != slot + j || part.Escaped != escaped || part.Text != separator)
                return false;
        }
        return true;
    }

    /// <summary>
    /// The pieces and values joined straight into UTF-8 (what the mail writer needs), without a
    /// string first: a digest's HTML is ~37 KB, as a string twice that, then encoded again. Into a
    /// rented array (<see cref="DigestMail.Rent"/>), whose first Length bytes it writes; measured
    /// first, so a value that is not Unicode throws before anything is rented.
    /// </summary>
    static (byte[] Bytes, int Length) JoinUtf8(Piece[] pieces, Utf8Piece[] utf8, MailValues values)
    {
        var length = 0;
        for (var i = 0; i < pieces.Length; i++)
        {
            var piece = pieces[i];
            length += utf8[i].Text.Length;
            switch (piece.Kind)
            {
                case PieceKind.Value:
                    length += values.GetUtf8(piece.Slot, piece.Escaped).Length;
                    break;
                case PieceKind.Topic:
                    length += values.TopicUtf8(piece.Slot, piece.Topic, piece.Escaped).Length;
                    break;
                case PieceKind.TopicList:
                    var count = values.TopicCount(piece.Slot);
                    for (var t = 0; t < count; t++)
                        length += values.TopicUtf8(piece.Slot, t, piece.Escaped).Length;
                    length += (count - 1) * utf8[i].Separator!.Length;
                    break;
            }
        }
        var bytes = DigestMail.Rent(length);
        var target = bytes.AsSpan(0, length);
        for (var i = 0; i < pieces.Length; i++)
        {
            var piece = pieces[i];
            Write(ref target, utf8[i].Text);
            switch (piece.Kind)
            {
                case PieceKind.Value:
                    Write(ref target, values.GetUtf8(piece.Slot, piece.Escaped));
                    break;
                case PieceKind.Topic:
                    Write(ref target, values.TopicUtf8(piece.Slot, piece.Topic, piece.Escaped));
                    break;
                case PieceKind.TopicList:
                    var count = values.TopicCount(piece.Slot);
                    for (var t = 0; t < count; t++)
                    {
                        if (t > 0)
                            Write(ref target, utf8[i].Separator!);
                        Write(ref target, values.TopicUtf8(piece.Slot, t, piece.Escaped));
                    }
                    break;
            }
        }
        return (bytes, length);

        static void Write(ref Span<byte> target, byte[] text)
        {
            text.CopyTo(target);
            target = target[text.Length..];
        }
    }

    /// <summary>
    /// The pieces and values joined as quoted-printable: each piece as it was encoded once, each
    /// value as its paper's view keeps it encoded or encoded now. Into a body from the mails' pool
    /// (<see cref="DigestMail.Bodies"/>), started at the longest this shape has needed (it grows past that).
    /// </summary>
    static QuotedPrintableBody JoinEncoded(Piece[] pieces, EncodedPiece[] encoded, MailValues values, ref int longest)
    {
        // The pool's arrays come in powers of two: room for the longest, not more, keeps most in the smaller size.
        var body = new QuotedPrintableBody(Math.Max(Volatile.Read(ref longest), 4096), DigestMail.Bodies);
        try
        {
            for (var i = 0; i < pieces.Length; i++)
            {
                var piece = pieces[i];
                body.Append(encoded[i].Text);
                switch (piece.Kind)
                {
                    case PieceKind.Value:
                        values.AppendTo(body, piece.Slot, piece.Escaped);
                        break;
                    case PieceKind.Topic:
                        body.Append(values.TopicUtf8(piece.Slot, piece.Topic, piece.Escaped));
                        break;
                    case PieceKind.TopicList:
                        var count = values.TopicCount(piece.Slot);
                        for (var t = 0; t < count; t++)
                        {
                            if (t > 0)
                                body.Append(encoded[i].Separator!);
                            body.Append(values.TopicUtf8(piece.Slot, t, piece.Escaped));
                        }
                        break;
                }
            }
        }
        catch
        {
            body.Dispose();
            throw;
        }
        // Racing mails of a shape may each store theirs: any of them serves as where to start.
        if (body.Length > Volatile.Read(ref longest))
            Volatile.Write(ref longest, body.Length);
        return body;
    }

    /// <summary>Template output up to a marker (none after the last piece).</summary>
    readonly record struct Part(string Text, int? Slot, bool Escaped);

    enum PieceKind
    {
        Text,
        Value,
        Topic,
        TopicList,
    }

    /// <summary>Text, then what follows it: a slot's value, topic <see cref="Topic"/> of paper <see cref="Slot"/>, or that paper's topic list.</summary>
    readonly record struct Piece(string Text, PieceKind Kind, int Slot, int Topic, bool Escaped, string? Separator);

    /// <summary>A piece's text and separator as UTF-8.</summary>
    readonly record struct Utf8Piece(byte[] Text, byte[]? Separator)
    {
        public static Utf8Piece Of(Piece piece) =>
            new(StrictUtf8.GetBytes(piece.Text), piece.Separator is null ? null : StrictUtf8.GetBytes(piece.Separator));
    }

    /// <summary>A piece's text and separator as quoted-printable.</summary>
    readonly record struct EncodedPiece(QuotedPrintablePiece Text, QuotedPrintablePiece? Separator)
    {
        public static EncodedPiece Of(Utf8Piece piece) =>
            new(QuotedPrintablePiece.Of(piece.Text), piece.Separator is null ? null : QuotedPrintablePiece.Of(piece.Separator));
    }

    /// <summary>A mail's values: slot by slot, and each paper's topics.</summary>
    public sealed record Values(List<Value> Slots, List<IReadOnlyList<string>> Topics);

    /// <summary>A value of the view; for a paper's own text (the same in every mail that shows the paper there), where its UTF-8 is kept.</summary>
    public readonly record struct Value(string? Text, Utf8Memo? Memo, int Field);

    /// <summary>Records the view's values in slot order and its shape; when marking, returns each value's marker.</summary>
    /// <param name="topicMarkers">Markers for a paper's topics as a list (when the templates allow lists), or null: one per topic.</param>
    sealed class Slots(bool marking, int? topicMarkers)
    {
        Utf8Memo? _paper;
        int _field;

        public List<Value> Values { get; } = new(256);

        public List<IReadOnlyList<string>> Topics { get; } = new(16);

        public StringBuilder Shape { get; } = new(128);

        /// <summary>Records a paper's topics; in the shape, their count, or only none or some when they are a list.</summary>
        public IReadOnlyList<string> AddTopics(int paper, IReadOnlyList<string> topics)
        {
            Topics.Add(topics);
            if (topicMarkers is not null)
                Shape.Append(topics.Count == 0 ? '0' : '+');
            else
                Note(topics.Count.ToString(CultureInfo.InvariantCulture));
            if (!marking)
                return topics;
            var count = topics.Count == 0 ? 0 : topicMarkers ?? topics.Count;
            var marked = new string[count];
            for (var i = 0; i < count; i++)
                marked[i] = MarkerOf(FirstTopicSlot + paper * TopicStride + i);
            return marked;
        }

        /// <summary>A paper begins: whether it has links goes into the shape, and its own fields are numbered from the first again.</summary>
        public void BeginPaper(PaperView paper)
        {
            Note(paper.HasLinks ? 'L' : 'P');
            _paper = paper.Memo;
            _field = 0;
        }

        /// <summary>One of the paper's own values: its UTF-8 is kept in the view's memo, at this field's place in order.</summary>
        public string? AddOwn(string? value) => Add(value, _paper, _field++);

        public string? Add(string? value) => Add(value, null, 0);

        string? Add(string? value, Utf8Memo? memo, int field)
        {
            if (string.IsNullOrEmpty(value))
            {
                // Missing or empty: a template's test sees it so, so it stays and is part of the shape.
                Shape.Append(value is null ? 'n' : 'e');
                Values.Add(new Value(value, null, 0));
                return value;
            }
            Shape.Append('v');
            Values.Add(new Value(value, memo, field));
            return marking ? MarkerOf(Values.Count - 1) : value;
        }

        public void Note(char c) => Shape.Append(c);

        /// <summary>A count, ended so that the next note cannot run into it.</summary>
        public void Note(string count) => Shape.Append(count).Append(';');
    }

    /// <summary>
    /// One mail's values as UTF-8, each escaped only if a template writes it escaped, and made
    /// once for each way it is written (the bodies are measured, then written).
    /// </summary>
    sealed class MailValues(Values values, TemplateRenderer templates)
    {
        readonly byte[]?[] _escapedUtf8 = new byte[]?[values.Slots.Count];
        readonly byte[]?[] _plainUtf8 = new byte[]?[values.Slots.Count];
        byte[]?[][]? _topicsEscaped;
        byte[]?[][]? _topicsPlain;

        /// <summary>A value as UTF-8; a paper's own text from its view's memo (the same in every mail that shows it).</summary>
        public byte[] GetUtf8(int slot, bool escaped)
        {
            ref var utf8 = ref (escaped ? _escapedUtf8 : _plainUtf8)[slot];
            if (utf8 is not null)
                return utf8;
            var value = values.Slots[slot];
            var text = value.Text ?? "";
            utf8 = value.Memo is { } memo
                ? memo.Utf8(value.Field, text, escaped, templates)
                : StrictUtf8.GetBytes(escaped ? templates.Escape(text) : text);
            return utf8;
        }

        /// <summary>A value put into a body being sent: a paper's own text as its view keeps it encoded, any other encoded now.</summary>
        public void AppendTo(QuotedPrintableBody body, int slot, bool escaped)
        {
            var value = values.Slots[slot];
            if (value.Memo is { } memo && value.Text is { } text)
                body.Append(memo.QuotedPrintable(value.Field, text, escaped, templates));
            else
                body.Append(GetUtf8(slot, escaped));
        }

        public int TopicCount(int paper) => values.Topics[paper].Count;

        /// <summary>A topic label: short, and the same few labels in many mails, so escaped as it comes.</summary>
        public string Topic(int paper, int topic, bool escaped)
        {
            var label = values.Topics[paper][topic];
            return escaped ? templates.Escape(label) : label;
        }

        /// <summary>A topic label as UTF-8, kept for the mail for each way it is written (the HTML escapes it, a text template may not).</summary>
        public byte[] TopicUtf8(int paper, int topic, bool escaped)
        {
            ref var byPaper = ref escaped ? ref _topicsEscaped : ref _topicsPlain;
            byPaper ??= new byte[]?[values.Topics.Count][];
            var labels = byPaper[paper] ??= new byte[]?[values.Topics[paper].Count];
            return labels[topic] ??= StrictUtf8.GetBytes(Topic(paper, topic, escaped));
        }
    }

    /// <summary>
    /// A paper view's own text as UTF-8, escaped and as it is, field by field: kept with the view
    /// (<see cref="PaperView.Memo"/>), which the renderer keeps per paper and position, so a mail
    /// reaches it without a lookup (a table keyed by the strings cost ~5% of the delivery's CPU,
    /// by content or by reference alike: a cache miss on each of ~160 keys a mail).
    /// </summary>
    /// <remarks>
    /// Copies of a view made with <c>with</c> share its memo; each entry names the string it was
    /// made from, so a copy whose text differs gets its own bytes, not another's. Threads race only
    /// to store the same bytes.
    /// </remarks>
    internal sealed class Utf8Memo
    {
        /// <summary>The paper's own fields, as many as <see cref="Walk"/> adds with <see cref="Slots.AddOwn"/>.</summary>
        public const int Fields = 12;

        readonly Kept<byte[]>?[] _escaped = new Kept<byte[]>?[Fields];
        readonly Kept<byte[]>?[] _plain = new Kept<byte[]>?[Fields];
        readonly Kept<QuotedPrintablePiece>?[] _escapedPieces = new Kept<QuotedPrintablePiece>?[Fields];
        readonly Kept<QuotedPrintablePiece>?[] _plainPieces = new Kept<QuotedPrintablePiece>?[Fields];

        public byte[] Utf8(int field, string text, bool escaped, TemplateRenderer templates) =>
            Keep(escaped ? _escaped : _plain, field, text, escaped, templates, static written => StrictUtf8.GetBytes(written));

        /// <summary>
        /// The field's text as quoted-printable, for a mail that is sent (<see cref="ForSending"/>):
        /// kept apart from its UTF-8, which a mail sent does not need (the day's papers at every
        /// position they reach are kept, <see cref="DigestRenderer.PaperCapacity"/>: each byte of them twice otherwise).
        /// </summary>
        public QuotedPrintablePiece QuotedPrintable(int field, string text, bool escaped, TemplateRenderer templates) =>
            Keep(escaped ? _escapedPieces : _plainPieces, field, text, escaped, templates, static written => QuotedPrintablePiece.Of(written));

        /// <summary>The field's text as <paramref name="encode"/> makes it from the text as written (escaped or not), made once for the string it was made from.</summary>
        static T Keep<T>(Kept<T>?[] kept, int field, string text, bool escaped, TemplateRenderer templates, Func<string, T> encode)
        {
            if (kept[field] is { } known && ReferenceEquals(known.Source, text))
                return known.Value;
            var value = encode(escaped ? templates.Escape(text) : text);
            kept[field] = new Kept<T>(text, value);
            return value;
        }

        sealed record Kept<T>(string Source, T Value);
    }
}

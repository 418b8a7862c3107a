using System.Text;

namespace Digest.Mailer.Tests.Mime;

/// <summary>
/// Messages built from the inputs hand-written mail code gets wrong: non-ASCII subjects and names
/// (CJK, emoji, combining marks), lines starting with ".", 5,000-character lines, bare LF and CR,
/// trailing spaces, "=" signs, empty and 1 MB bodies. Seeded, so a failure reproduces.
/// </summary>
internal static class GeneratedMessages
{
    static readonly string[] SubjectPieces =
    [
        "Today's papers", "Attention Is All You Need", "日本語の件名です", "论文摘要", "한국어 제목", "🎉📄 new", "👩🏽‍🔬 lab",
        "e\u0301te\u0301", "Zoë Ünicode", "a = b", "=?utf-8?q?not_encoded?=", "50% off", "tab\there", "two  spaces",
        "\"quoted\"", "back\\slash", "Ω≈ç√∫", "x", "", "(comment?)", "a_b_c", "?=", "=_boundary-like",
        string.Concat(Enumerable.Repeat("long ", 40)), new string('w', 120), "Ελληνικά", "עברית", "العربية",
    ];

    static readonly string[] NamePieces =
    [
        "Ada Lovelace", "Lovelace, Ada", "Dr. Grace Hopper", "\"Q\" Branch", "O'Brien", "Jürgen Schmidt", "山田太郎",
        "José Martínez", "🦉 Owl", "e\u0301mile", "back\\slash", "a  b", "x@y", "=?utf-8?q?Fake?=", "<angle>",
        "Περικλής", string.Concat(Enumerable.Repeat("Name ", 30)), "A", "semi;colon", "tab\tname",
    ];

    static readonly string[] Locals = ["ada", "grace.hopper", "o'brien", "first+tag", "x_y-z", "a.b.c", "UPPER", "n1", "ada", "grace", "josé.garcía", "用户"];
    static readonly string[] Domains = ["example.org", "lab.example.ac.uk", "bücher.example", "例え.テスト", "xn--nxasmq6b.example", "sub.example.com"];

    static readonly string[] LinePieces =
    [
        "A plain line of text.", ".starts with a dot", "..two dots", ".", "From the start of a line", "From ",
        "trailing space ", "trailing tab\t", "ends with =", "=3D looks encoded", "a=b=c", "=_ boundary-like =_",
        "--=_not a boundary", "数学と物理の論文", "emoji 🎉🔬📄 line", "combining e\u0301 a\u0308 o\u0302", "", "  ", "\t",
        "<p>Some <b>HTML</b> &amp; entities</p>", "nul\0inside", "control \u0001\u001f chars", "del \u007f",
        "   leading spaces", "x", new string('-', 76), new string('=', 80), new string('é', 40),
    ];

    static readonly string[] Breaks = ["\r\n", "\n", "\r", "\r\n", "\n"];

    public static IReadOnlyList<GeneratedMessage> Create(int count, int seed)
    {
        var random = new Random(seed);
        var messages = new List<GeneratedMessage>(count);
        for (var i = 0; i < count; i++)
            messages.Add(Create(random, i));
        return messages;
    }

    static GeneratedMessage Create(Random random, int index)
    {
        var to = Enumerable.Range(0, random.Next(1, 4)).Select(_ => Mailbox(random)).ToList();
        var headers = new List<KeyValuePair<string, string>>();
        if (random.Next(2) == 0)
        {
            headers.Add(new("List-Unsubscribe", $"<https://digest.example.org/unsubscribe/{index:D6}TOKEN>, <mailto:unsubscribe@example.org?subject=u{index}>"));
            headers.Add(new("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"));
        }
        if (random.Next(3) == 0)
            headers.Add(new("List-Id", Pick(random, ["Digest <digest.example.org>", "Tägliche Übersicht <digest.example.org>", "論文 <d.example>"])));
        if (random.Next(4) == 0)
            headers.Add(new("X-Long-Header", string.Join(' ', Enumerable.Range(0, random.Next(10, 60)).Select(n => $"word{n}"))));

        var (text, html) = (random.Next(10)) switch
        {
            0 => ((string?)null, Body(random, html: true)),
            1 => (Body(random, html: false), null),
            2 => (null, null),
            _ => (Body(random, html: false), Body(random, html: true)),
        };
        var date = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero)
            .AddSeconds(random.Next(0, 365 * 24 * 3600))
            .ToOffset(TimeSpan.FromMinutes(Pick(random, [0, 60, -300, 330, 545, -570])));
        var message = new EmailMessage
        {
            From = Mailbox(random),
            To = to,
            ReplyTo = random.Next(3) == 0 ? Mailbox(random) : null,
            Subject = Subject(random),
            Date = date,
            MessageId = random.Next(2) == 0 ? $"issue-{index}.{random.Next()}@digest.example.org" : null,
            Headers = headers,
            TextBody = text,
            HtmlBody = html,
        };
        return new GeneratedMessage($"generated #{index}", message);
    }

    /// <summary>Hand-picked extremes on top of the generated ones.</summary>
    public static IReadOnlyList<GeneratedMessage> Extremes()
    {
        var from = MailboxAddress.Parse("digest@example.org", "Digest");
        var to = new[] { MailboxAddress.Parse("ada@example.org", "Ada") };
        var megabyteAscii = string.Join("\n", Enumerable.Range(0, 15000).Select(i => $".line {i} = {new string('x', i % 90)} "));
        var megabyteCjk = string.Concat(Enumerable.Repeat("深度学习论文摘要。\n", 40000));
        var oneLine = new string('a', 5000) + "=" + new string('b', 5000);
        EmailMessage Message(string subject, string? text, string? html) =>
            new() { From = from, To = to, Subject = subject, TextBody = text, HtmlBody = html, Date = new DateTimeOffset(2025, 9, 8, 7, 30, 0, TimeSpan.FromHours(2)) };
        return
        [
            new("empty text only", Message("", "", null)),
            new("no bodies at all", Message("nothing", null, null)),
            new("empty text and empty html", Message("empties", "", "")),
            new("text without final line break", Message("no break", "abc", null)),
            new("text with final line break", Message("break", "abc\n", null)),
            new("only line breaks", Message("breaks", "\n\r\n\r", "\r\r")),
            new("a single dot", Message(".", ".", ".")),
            new("dot lines everywhere", Message("dots", ".\n..\n.\r\n. \n.x", ".\r.")),
            new("5,000-character lines", Message("long", oneLine + "\n" + oneLine, oneLine)),
            new("1 MB of ASCII text", Message("megabyte", megabyteAscii, megabyteAscii)),
            new("1 MB of CJK text", Message("メガバイト", megabyteCjk, null)),
            new("only whitespace", Message("   ", "   \t  ", " ")),
            new("trailing whitespace on every line", Message("tws", "a \nb\t\nc  \r\n d ", "x \r\ny\t")),
            new("subject of emoji only", Message("🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉", "x", null)),
            new("subject of combining marks", Message(string.Concat(Enumerable.Repeat("a\u0301\u0302\u0303", 50)), "x", null)),
            new("subject with a 900-character word", Message(new string('z', 900), "x", null)),
        ];
    }

    static MailboxAddress Mailbox(Random random)
    {
        var name = random.Next(3) switch
        {
            0 => null,
            1 => Pick(random, NamePieces),
            _ => $"{Pick(random, NamePieces)} {Pick(random, NamePieces)}",
        };
        var domain = Pick(random, Domains);
        return MailboxAddress.Parse($"{Pick(random, Locals)}{random.Next(100)}@{domain}", name);
    }

    static string Subject(Random random)
    {
        var pieces = Enumerable.Range(0, random.Next(1, 5)).Select(_ => Pick(random, SubjectPieces));
        var subject = string.Join(Pick(random, [" ", " ", "", "  ", " - "]), pieces);
        return random.Next(8) switch
        {
            0 => " " + subject,
            1 => subject + " ",
            _ => subject,
        };
    }

    static string Body(Random random, bool html)
    {
        var size = random.Next(12) switch
        {
            0 => 0,
            1 => 1,
            < 10 => random.Next(2, 40),
            _ => random.Next(100, 400),
        };
        var builder = new StringBuilder();
        if (html)
            builder.Append("<html><body>");
        for (var i = 0; i < size; i++)
        {
            var piece = Pick(random, LinePieces);
            if (random.Next(20) == 0)
                piece = string.Concat(Enumerable.Repeat(piece.Length == 0 ? "y" : piece, 5000 / Math.Max(piece.Length, 1) + 1))[..5000];
            builder.Append(piece);
            if (i < size - 1 || random.Next(2) == 0)
                builder.Append(Pick(random, Breaks));
        }
        if (html)
            builder.Append("</body></html>");
        return builder.ToString();
    }

    static T Pick<T>(Random random, T[] items) => items[random.Next(items.Length)];
}

internal sealed record GeneratedMessage(string Description, EmailMessage Message)
{
    public override string ToString() => Description;
}

using System.Text;
using System.Text.RegularExpressions;
using Digest.Mailer.Mime;

namespace Digest.Mailer.Tests.Mime;

public sealed partial class MessageWriterTests
{
    static readonly MessageWriter Writer = new(timeProvider: new FixedTime(new DateTimeOffset(2025, 9, 8, 5, 30, 0, TimeSpan.Zero)));

    [Test]
    public void A_digest_has_the_required_headers_and_is_text_then_html()
    {
        var text = Write(Digest());

        Assert.Multiple(() =>
        {
            Assert.That(text, Does.StartWith("Date: Mon, 08 Sep 2025 07:30:00 +0200\r\n"));
            Assert.That(text, Does.Contain("\r\nFrom: Paper Digest <digest@example.org>\r\n"));
            Assert.That(text, Does.Contain("\r\nTo: Ada Lovelace <ada@example.org>\r\n"));
            Assert.That(text, Does.Contain("\r\nSubject: Three papers\r\n"));
            Assert.That(text, Does.Contain("\r\nMessage-ID: <issue-7.ada@example.org>\r\n"));
            Assert.That(text, Does.Contain("\r\nMIME-Version: 1.0\r\n"));
            Assert.That(text, Does.Contain("\r\nContent-Type: multipart/alternative;\r\n boundary=\"=_"));
            Assert.That(text.IndexOf("text/plain", StringComparison.Ordinal), Is.LessThan(text.IndexOf("text/html", StringComparison.Ordinal)));
        });
    }

    [Test]
    public void The_boundary_is_short_starts_with_equals_underscore_and_appears_only_as_delimiters()
    {
        var text = Write(Digest());
        var boundary = Regex.Match(text, "boundary=\"([^\"]+)\"").Groups[1].Value;

        Assert.That(boundary, Has.Length.InRange(3, 70).And.StartWith("=_"));
        Assert.That(Regex.Matches(text, Regex.Escape(boundary)), Has.Count.EqualTo(4), "the parameter, two delimiters and the close");
        Assert.That(text, Does.EndWith($"\r\n--{boundary}--\r\n"));
    }

    [Test]
    public void A_generated_message_id_is_unique_and_at_the_senders_domain()
    {
        var message = Digest();
        var ids = Enumerable.Range(0, 100).Select(_ => MessageShape.HeaderValue(Writer.ToBytes(new EmailMessage
        {
            From = message.From,
            To = message.To,
            Subject = "x",
        }), "Message-ID")).ToList();

        Assert.That(ids, Is.Unique);
        Assert.That(ids, Is.All.Match("^<[0-9a-f]{32}@example.org>$"));
    }

    [TestCase("Short ASCII lines.\nAnother.\n", "7bit")]
    [TestCase("A line of more than seventy-six characters goes quoted-printable so no line is too long", "quoted-printable")]
    [TestCase("Grüße aus Zürich, mostly ASCII\n", "quoted-printable")]
    [TestCase("深度学习论文摘要。深度学习论文摘要。\n", "base64")]
    [TestCase("trailing space \n", "quoted-printable")]
    [TestCase("From the lab\n", "quoted-printable")]
    [TestCase("contains =_ which could look like a boundary\n", "quoted-printable")]
    [TestCase("no final line break", "quoted-printable")]
    public void The_transfer_encoding_follows_the_content(string body, string encoding)
    {
        var text = Write(Digest() with { HtmlBody = null, TextBody = body });

        Assert.That(text, Does.Contain($"Content-Transfer-Encoding: {encoding}\r\n"));
    }

    [Test]
    public void Quoted_printable_keeps_lines_to_76_never_splits_an_escape_and_escapes_what_it_must()
    {
        var body = string.Concat(Enumerable.Repeat("The size is = 3 é ", 300)) + "\nFrom here\nend \t\n";
        var text = Write(Digest() with { HtmlBody = null, TextBody = body });
        var encoded = text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];

        var lines = encoded.Split("\r\n");
        Assert.That(lines, Has.All.Length.LessThanOrEqualTo(76));
        Assert.That(lines.Where(l => l.Length > 0), Has.None.Match(@"=[0-9A-F]$").And.None.Match(@"[ \t]$"));
        Assert.That(encoded, Does.Contain("\r\n=46rom here\r\n").And.Contain("end =09\r\n"));
    }

    [Test]
    public void Encoded_words_are_at_most_75_characters_and_fold_onto_short_lines()
    {
        var subject = string.Concat(Enumerable.Repeat("論文の要約 🎉 ", 40));
        var text = Write(Digest() with { Subject = subject });
        var head = text[..text.IndexOf("\r\n\r\n", StringComparison.Ordinal)];

        Assert.That(Regex.Matches(head, @"=\?utf-8\?[qb]\?[^?]*\?=").Select(m => m.Value), Has.All.Length.LessThanOrEqualTo(75));
        Assert.That(head.Split("\r\n"), Has.All.Length.LessThanOrEqualTo(78));
    }

    [Test]
    public void A_long_ASCII_subject_folds_at_whitespace_and_unfolds_to_itself()
    {
        var subject = string.Join(' ', Enumerable.Range(0, 60).Select(i => $"word{i}"));
        var bytes = Writer.ToBytes((Digest() with { Subject = subject }).ToMessage());
        var head = Encoding.ASCII.GetString(bytes)[..Encoding.ASCII.GetString(bytes).IndexOf("\r\n\r\n", StringComparison.Ordinal)];

        Assert.That(head.Split("\r\n"), Has.All.Length.LessThanOrEqualTo(78));
        Assert.That(MessageShape.HeaderValue(bytes, "Subject"), Is.EqualTo(subject));
    }

    [Test]
    public void An_internationalised_address_goes_into_the_header_as_UTF8()
    {
        var text = Write(Digest() with { To = [MailboxAddress.Parse("用户@例え.テスト", "用户")] });

        Assert.That(text, Does.Contain("To: =?utf-8?b?55So5oi3?= <用户@xn--r8jz45g.xn--zckzah>\r\n"));
    }

    static IEnumerable<TestCaseData> Injections()
    {
        string[] bad = ["\r", "\n", "\r\n", "\0", "\r\nBcc: everyone@example.net", "\nX-Injected: yes", "\r\n\r\n<html>body</html>"];
        foreach (var insert in bad)
        {
            var shown = insert.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\0", "\\0", StringComparison.Ordinal);
            foreach (var position in new[] { "start", "middle", "end" })
            {
                string Put(string value) => position switch
                {
                    "start" => insert + value,
                    "middle" => value.Insert(value.Length / 2, insert),
                    _ => value + insert,
                };
                yield return Case($"Subject with {shown} at the {position}", m => m with { Subject = Put("Three papers") }, "Subject");
                yield return Case($"Message-ID with {shown} at the {position}", m => m with { MessageId = Put("issue-7.ada@example.org") }, "MessageId");
                yield return Case($"a header value with {shown} at the {position}",
                    m => m with { Headers = [new("List-Unsubscribe", Put("<https://example.org/u/TOKEN>"))] }, "Headers[\"List-Unsubscribe\"]");
                yield return Case($"a header name with {shown} at the {position}",
                    m => m with { Headers = [new(Put("List-Id"), "Digest <digest.example.org>")] }, "Headers[0]");
            }
        }
        foreach (var control in new[] { "\u0001", "\u0008", "\u000b", "\u001b", "\u007f" })
            yield return Case($"Subject with U+{(int)control[0]:X4}", m => m with { Subject = "a" + control + "b" }, "Subject");
        var lone = new string([(char)0xD800]);
        yield return Case("Subject with an unpaired surrogate", m => m with { Subject = $"a{lone}b" }, "Subject");
        yield return Case("TextBody with an unpaired surrogate", m => m with { TextBody = $"a{lone}b" }, "TextBody");
        yield return Case("HtmlBody with an unpaired surrogate", m => m with { HtmlBody = $"<p>{lone}</p>" }, "HtmlBody");
        foreach (var reserved in new[] { "From", "to", "Bcc", "Cc", "Subject", "DKIM-Signature", "Content-Type", "MIME-Version", "Message-ID", "Date", "Reply-To", "Return-Path" })
            yield return Case($"a {reserved} header set by hand", m => m with { Headers = [new(reserved, "x@example.net")] }, $"Headers[\"{reserved}\"]");
        foreach (var name in new[] { "", "X Space", "X:Colon", "Ünicode", new string('X', 77) })
            yield return Case($"the header name \"{name}\"", m => m with { Headers = [new(name, "v")] }, "Headers[0]");
        yield return Case("a header value with leading whitespace", m => m with { Headers = [new("List-Id", " x")] }, "Headers[\"List-Id\"]");
        yield return Case("a header value with a 1,000-character word", m => m with { Headers = [new("X-Long", new string('a', 1000))] }, "Headers[\"X-Long\"]");
        foreach (var id in new[] { "<a@b>", "no-at-sign", "a@b@c", "a..b@c", ".a@b", "a b@c", "a@", "@b", new string('a', 250) + "@b" })
            yield return Case($"the Message-ID \"{id[..Math.Min(id.Length, 20)]}\"", m => m with { MessageId = id }, "MessageId");
        yield return Case("no recipient", m => m with { To = [] }, "To");
        yield return Case("101 recipients", m => m with { To = Enumerable.Range(0, 101).Select(i => MailboxAddress.Parse($"r{i}@example.org")).ToList() }, "To");
        yield return Case("a null recipient", m => m with { To = [m.To[0], null!] }, "To[1]");
        yield return Case("a null subject", m => m with { Subject = null! }, "Subject");
    }

    static TestCaseData Case(string name, Func<DigestMessage, DigestMessage> change, string field) =>
        new TestCaseData(change, field).SetName($"Refused: {name}");

    [TestCaseSource(nameof(Injections))]
    public void Bad_input_is_refused_naming_the_field_and_the_rule(Func<DigestMessage, DigestMessage> change, string field)
    {
        var message = change(Digest()).ToMessage();

        var error = Assert.Throws<InvalidMessageException>(() => Writer.ToBytes(message));

        Assert.That(error!.Field, Is.EqualTo(field));
        Assert.That(error.Message, Does.StartWith(field + ": "));
        Assert.That(error.Rule, Is.Not.Empty);
    }

    [Test]
    public void A_line_break_in_a_header_is_named_as_header_injection()
    {
        var error = Assert.Throws<InvalidMessageException>(() => Writer.ToBytes(Digest().ToMessage() is var m
            ? new EmailMessage { From = m.From, To = m.To, Subject = "Hi\r\nBcc: all@example.net" }
            : null!));

        Assert.That(error!.Rule, Does.Contain("CR, LF or NUL").And.Contain("inject"));
    }

    static string Write(DigestMessage message) => Encoding.UTF8.GetString(Writer.ToBytes(message.ToMessage()));

    static DigestMessage Digest() => new(
        MailboxAddress.Parse("digest@example.org", "Paper Digest"),
        [MailboxAddress.Parse("ada@example.org", "Ada Lovelace")],
        "Three papers",
        "issue-7.ada@example.org",
        [new("List-Unsubscribe", "<https://digest.example.org/unsubscribe/TOKEN>")],
        "Three papers today.\n",
        "<p>Three papers today.</p>");

    /// <summary>EmailMessage as a record, so a test case can change one field with "with".</summary>
    public sealed record DigestMessage(
        MailboxAddress From, IReadOnlyList<MailboxAddress> To, string Subject, string? MessageId,
        IReadOnlyList<KeyValuePair<string, string>> Headers, string? TextBody, string? HtmlBody)
    {
        public EmailMessage ToMessage() => new()
        {
            From = From,
            To = To,
            Subject = Subject,
            MessageId = MessageId,
            Date = new DateTimeOffset(2025, 9, 8, 7, 30, 0, TimeSpan.FromHours(2)),
            Headers = Headers,
            TextBody = TextBody,
            HtmlBody = HtmlBody,
        };
    }
}

using System.Text;
using System.Text.RegularExpressions;

namespace Digest.Mailer.Tests.Mime;

/// <summary>
/// Bodies given already as UTF-8 (the digest renderer writes bytes) come out exactly as the same
/// bodies given as strings, and bytes that are not UTF-8 are refused before anything is written.
/// </summary>
public sealed partial class MessageWriterTests
{
    static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    [Test]
    public void Every_generated_message_written_from_UTF8_bodies_is_byte_for_byte_the_one_written_from_strings()
    {
        var compared = 0;
        foreach (var generated in GeneratedMessages.Create(600, seed: 20250101).Concat(GeneratedMessages.Extremes()))
        {
            var message = generated.Message;
            var asStrings = Copy(message, message.TextBody, message.HtmlBody, null, null);
            var asUtf8 = Copy(message, null, null, Utf8(message.TextBody), Utf8(message.HtmlBody));

            var (expected, actual) = (Masked(Writer.ToBytes(asStrings)), Masked(Writer.ToBytes(asUtf8)));

            if (expected != actual)
                Assert.That(actual, Is.EqualTo(expected), generated.Description);
            compared++;
        }
        Assert.That(compared, Is.GreaterThan(600));
    }

    static IEnumerable<TestCaseData> NotUtf8()
    {
        var sequences = new (string Name, byte[] Bytes)[]
        {
            ("a lone continuation byte", [0x80]),
            ("an overlong slash", [0xC0, 0xAF]),
            ("an overlong NUL", [0xE0, 0x80, 0x80]),
            ("an encoded surrogate", [0xED, 0xA0, 0x80]),
            ("a code point past U+10FFFF", [0xF4, 0x90, 0x80, 0x80]),
            ("a lead byte F5", [0xF5, 0x80, 0x80, 0x80]),
            ("0xFF", [0xFF]),
            ("a two-byte sequence cut short", [0xC3]),
            ("a four-byte sequence cut short", [0xF0, 0x9F, 0x98]),
            ("Latin-1 é", [0xE9]),
        };
        foreach (var (name, bytes) in sequences)
        {
            foreach (var position in new[] { "start", "middle", "end" })
            {
                var body = Insert(Encoding.UTF8.GetBytes("<p>Three papers today — Zoë’s pick</p>\n"), bytes, position);
                yield return new TestCaseData(body, true).SetName($"Refused: HtmlBodyUtf8 with {name} at the {position}");
                yield return new TestCaseData(body, false).SetName($"Refused: TextBodyUtf8 with {name} at the {position}");
            }
        }
    }

    [TestCaseSource(nameof(NotUtf8))]
    public void A_body_that_is_not_UTF8_is_refused_naming_the_field(byte[] body, bool html)
    {
        var message = html
            ? Copy(Digest().ToMessage(), "Three papers today.\n", null, null, body)
            : Copy(Digest().ToMessage(), null, "<p>Three papers today.</p>", body, null);

        var error = Assert.Throws<InvalidMessageException>(() => Writer.ToBytes(message));

        Assert.That(error!.Field, Is.EqualTo(html ? nameof(EmailMessage.HtmlBodyUtf8) : nameof(EmailMessage.TextBodyUtf8)));
        Assert.That(error.Rule, Does.Contain("UTF-8"));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void A_body_given_both_as_a_string_and_as_UTF8_is_refused(bool html)
    {
        var bytes = "<p>x</p>"u8.ToArray();
        var message = html ? Copy(Digest().ToMessage(), null, "<p>x</p>", null, bytes) : Copy(Digest().ToMessage(), "x", null, bytes, null);

        var error = Assert.Throws<InvalidMessageException>(() => Writer.ToBytes(message));

        Assert.That(error!.Field, Is.EqualTo(html ? nameof(EmailMessage.HtmlBodyUtf8) : nameof(EmailMessage.TextBodyUtf8)));
    }

    static byte[]? Utf8(string? text) => text is null ? null : StrictUtf8.GetBytes(text);

    static EmailMessage Copy(EmailMessage m, string? text, string? html, byte[]? textUtf8, byte[]? htmlUtf8) => new()
    {
        From = m.From,
        To = m.To,
        ReplyTo = m.ReplyTo,
        Subject = m.Subject,
        Date = m.Date ?? new DateTimeOffset(2025, 9, 8, 7, 30, 0, TimeSpan.FromHours(2)),
        // Generated when absent: fixed here so that the two writings can be compared.
        MessageId = m.MessageId ?? "fixed.for.comparison@example.org",
        EnvelopeFrom = m.EnvelopeFrom,
        Headers = m.Headers,
        TextBody = text ?? (textUtf8 is null ? m.TextBody : null),
        HtmlBody = html ?? (htmlUtf8 is null ? m.HtmlBody : null),
        // Not `= textUtf8` (nor `?? null : …`): a null array converts to an empty body, not to none.
        TextBodyUtf8 = textUtf8 is null ? default(ReadOnlyMemory<byte>?) : textUtf8,
        HtmlBodyUtf8 = htmlUtf8 is null ? default(ReadOnlyMemory<byte>?) : htmlUtf8,
    };

    /// <summary>The message with its random multipart boundary written as one fixed word.</summary>
    static string Masked(byte[] bytes)
    {
        var text = Encoding.Latin1.GetString(bytes);
        var boundary = Regex.Match(text, "boundary=\"([^\"]+)\"");
        return boundary.Success ? text.Replace(boundary.Groups[1].Value, "=_BOUNDARY", StringComparison.Ordinal) : text;
    }

    static byte[] Insert(byte[] body, byte[] bytes, string position)
    {
        var at = position switch { "start" => 0, "middle" => 12, _ => body.Length };
        return [.. body.AsSpan(0, at), .. bytes, .. body.AsSpan(at)];
    }
}

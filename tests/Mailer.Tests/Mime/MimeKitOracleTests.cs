using System.Globalization;
using Digest.Mailer.Mime;
using MimeKit;

namespace Digest.Mailer.Tests.Mime;

/// <summary>
/// MimeKit as a second independent parser, beside Python's email package: every generated message
/// parses with it into the structure that was meant (multipart/alternative of text then HTML, or a
/// single part), every boundary closed, every part decodable, and the same subject, addresses,
/// Message-ID, headers and text.
/// </summary>
public sealed class MimeKitOracleTests
{
    static readonly IdnMapping Idn = new();

    static IEnumerable<GeneratedMessage> Cases() =>
        GeneratedMessages.Create(600, seed: 20250101).Concat(GeneratedMessages.Extremes());

    [Test]
    public void MimeKit_reads_back_exactly_what_went_into_every_generated_message()
    {
        var writer = new MessageWriter();
        var checkedCount = 0;
        foreach (var generated in Cases())
        {
            var message = generated.Message;
            var bytes = writer.ToBytes(message);
            using var stream = new MemoryStream(bytes);
            var parsed = MimeMessage.Load(stream);
            var name = generated.Description;

            Assert.Multiple(() =>
            {
                // MimeKit trims an unstructured value's surrounding white space (Python keeps it, and checks it exactly).
                Assert.That((parsed.Subject ?? "").Trim(), Is.EqualTo(message.Subject.Trim()), name);
                Assert.That(Addresses(parsed.From), Is.EqualTo(Addresses([message.From])), name);
                Assert.That(Addresses(parsed.To), Is.EqualTo(Addresses(message.To)), name);
                Assert.That(parsed.MessageId, Is.EqualTo(message.MessageId ?? MessageShape.HeaderValue(bytes, "Message-ID").Trim('<', '>')), name);
                foreach (var (key, value) in message.Headers)
                    Assert.That(Unfold(parsed.Headers[key]), Is.EqualTo(Unfold(value)), $"{name}: {key}");

                var parts = Structure(parsed.Body, System.Text.Encoding.UTF8.GetString(bytes));
                var expected = (message.TextBody, message.HtmlBody) switch
                {
                    ({ }, { }) => "multipart/alternative[text/plain,text/html]",
                    (null, { }) => "text/html",
                    _ => "text/plain",
                };
                Assert.That(parts, Is.EqualTo(expected), name);
                if (message.TextBody is not null)
                    Assert.That(Lines(parsed.GetTextBody(MimeKit.Text.TextFormat.Plain)), Is.EqualTo(Lines(message.TextBody)), $"{name}: text");
                if (message.HtmlBody is not null)
                    Assert.That(Lines(parsed.HtmlBody), Is.EqualTo(Lines(message.HtmlBody)), $"{name}: html");
            });
            checkedCount++;
        }
        TestContext.Out.WriteLine($"MimeKit checked {checkedCount} generated MIME messages.");
    }

    /// <summary>The tree as "type[children]"; a multipart without its closing boundary fails here.</summary>
    static string Structure(MimeKit.MimeEntity? entity, string wire)
    {
        switch (entity)
        {
            case Multipart multipart:
                Assert.That(wire, Does.Contain($"\r\n--{multipart.Boundary}--\r\n"), "the closing boundary is there");
                return $"{multipart.ContentType.MimeType}[{string.Join(",", multipart.Select(p => Structure(p, wire)))}]";
            case MimePart part:
                using (var decoded = new MemoryStream())
                    part.Content?.DecodeTo(decoded); // an encoding MimeKit cannot decode throws; an empty body has no content
                return part.ContentType.MimeType;
            default:
                return entity?.ContentType.MimeType ?? "(none)";
        }
    }

    static string[] Addresses(IEnumerable<InternetAddress> list) =>
        list.OfType<MimeKit.MailboxAddress>().Select(m => Comparable(m.Name ?? "", m.Address)).ToArray();

    static string[] Addresses(IEnumerable<MailboxAddress> list) =>
        list.Select(m => Comparable(m.Name ?? "", m.Address)).ToArray();

    // A domain may travel as A-label or U-label: the same domain either way.
    static string Comparable(string name, string address)
    {
        var at = address.LastIndexOf('@');
        return $"{name} <{address[..at]}@{Idn.GetAscii(address[(at + 1)..]).ToLowerInvariant()}>";
    }

    static string? Unfold(string? value) => value is null ? null : string.Join(' ', value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>Any line break (CRLF, LF, CR) is one line break.</summary>
    static string? Lines(string? text) => text?.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
}

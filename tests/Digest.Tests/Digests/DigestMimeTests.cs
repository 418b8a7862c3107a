using System.Text.Json;
using Digest.Mailer;
using Digest.Mailer.Mime;
using Digest.TestSupport;
using static Digest.Tests.Digests.DigestSamples;

namespace Digest.Tests.Digests;

/// <summary>The rendered digest as a whole MIME message, read back by an independent parser: Python's email package.</summary>
public sealed class DigestMimeTests
{
    const string Reader = """
        import email, json, sys
        from email import policy
        # The message comes as hex, so that no text layer between here and there touches a byte.
        message = email.message_from_bytes(bytes.fromhex(sys.stdin.read()), policy=policy.default)
        print(json.dumps({
            "subject": str(message["subject"]),
            "text": message.get_body(("plain",)).get_content(),
            "html": message.get_body(("html",)).get_content(),
            "type": message.get_content_type(),
        }))
        """;

    [Test]
    public async Task Python_reads_back_the_subject_text_and_html_of_a_digest()
    {
        var content = Realistic() with
        {
            Papers = [.. Realistic().Papers, Paper("Ünïcödé — “quotes” and <angle brackets> & emoji 🧪", ["rlhf"], ["Zoë Ŝmith"], "Ärger mit Umlauten… and a very long line " + new string('x', 200))],
        };
        // As delivery sends it: the bodies quoted-printable already, joined from pieces encoded once.
        var email = Renderer.Render(content);
        using var sent = Renderer.RenderToSend(content);
        var message = new EmailMessage
        {
            From = MailboxAddress.Parse("digest@digest.example", "Digest"),
            To = [MailboxAddress.Parse("reader@example.org")],
            Subject = sent.Subject,
            TextBodyQuotedPrintable = sent.TextQuotedPrintable,
            HtmlBodyQuotedPrintable = sent.HtmlQuotedPrintable,
        };
        var bytes = new MessageWriter().ToBytes(message);
        await File.WriteAllBytesAsync(Artifacts.PathFor("mail", "digest.eml"), bytes);

        var (exit, stdout, stderr) = await Python.RunAsync(Reader, stdin: Convert.ToHexString(bytes));

        Assert.That(exit, Is.Zero, stderr);
        using var parsed = JsonDocument.Parse(stdout);
        var root = parsed.RootElement;
        Assert.That(root.GetProperty("type").GetString(), Is.EqualTo("multipart/alternative"));
        Assert.That(root.GetProperty("subject").GetString(), Is.EqualTo("6 new papers on rlhf, diffusion models — Nov 22"));
        Assert.That(Lines(root.GetProperty("text").GetString()), Is.EqualTo(Lines(email.Text)));
        Assert.That(Lines(root.GetProperty("html").GetString()), Is.EqualTo(Lines(email.Html)));
    }

    static string? Lines(string? text) => text?.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n');
}

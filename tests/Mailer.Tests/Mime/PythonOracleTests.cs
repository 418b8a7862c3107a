using System.Text.Json;
using Digest.Mailer.Mime;
using Digest.TestSupport;

namespace Digest.Mailer.Tests.Mime;

/// <summary>
/// An independent parser as the oracle: every generated message, written by our writer and read
/// back by Python's email package (policy=default), gives back exactly the headers and decoded
/// text and HTML that went in. All cases go to one Python process.
/// </summary>
public sealed class PythonOracleTests
{
    const int Generated = 600;

    [Test]
    public async Task Python_reads_back_exactly_what_went_into_every_generated_message()
    {
        var cases = GeneratedMessages.Create(Generated, seed: 20250101).Concat(GeneratedMessages.Extremes()).ToList();
        var folder = Directory.CreateTempSubdirectory("digest-oracle-").FullName;
        try
        {
            var writer = new MessageWriter();
            var manifest = new List<object>();
            for (var i = 0; i < cases.Count; i++)
            {
                var message = cases[i].Message;
                var bytes = writer.ToBytes(message);
                MessageShape.AssertWireSafe(bytes, cases[i].Description);
                // 7-bit everywhere, except the UTF-8 addresses that only SMTPUTF8 can carry.
                var international = message.To.Append(message.From).Any(m => m.IsInternational) || message.ReplyTo?.IsInternational == true;
                Assert.That(MessageShape.IsSevenBit(bytes) || international, Is.True, $"{cases[i].Description}: 8-bit octets");
                var file = Path.Combine(folder, $"{i}.eml");
                await File.WriteAllBytesAsync(file, bytes);
                manifest.Add(new { name = cases[i].Description, file, expect = Expected(message, bytes) });
            }
            var manifestPath = Path.Combine(folder, "manifest.json");
            await File.WriteAllTextAsync(manifestPath, JsonSerializer.Serialize(manifest));

            var script = await File.ReadAllTextAsync(Path.Combine(TestContext.CurrentContext.TestDirectory, "Mime", "oracle.py"));
            var (exit, stdout, stderr) = await Python.RunAsync(script, arguments: [manifestPath], timeout: TimeSpan.FromMinutes(2));

            Assert.That(exit, Is.Zero, stderr);
            using var report = JsonDocument.Parse(stdout);
            TestContext.Out.WriteLine($"The oracle checked {report.RootElement.GetProperty("checked").GetInt32()} generated MIME messages.");
            Assert.That(report.RootElement.GetProperty("failures").GetArrayLength(), Is.Zero, stdout);
            Assert.That(report.RootElement.GetProperty("checked").GetInt32(), Is.EqualTo(cases.Count));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    static object Expected(EmailMessage message, byte[] bytes)
    {
        string[] Mailbox(MailboxAddress m) => [m.Name ?? "", m.Address];
        return new
        {
            subject = message.Subject,
            from = Mailbox(message.From),
            to = message.To.Select(Mailbox).ToArray(),
            replyTo = message.ReplyTo is null ? null : Mailbox(message.ReplyTo),
            messageId = message.MessageId ?? MessageShape.HeaderValue(bytes, "Message-ID").Trim('<', '>'),
            date = message.Date!.Value.ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture),
            headers = message.Headers.Select(h => new[] { h.Key, h.Value }).ToArray(),
            text = Lines(message.TextBody),
            html = Lines(message.HtmlBody),
        };
    }

    /// <summary>Any line break the caller used (CRLF, LF, CR) is one line break.</summary>
    static string? Lines(string? text) => text?.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
}

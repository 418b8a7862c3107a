using System.Net.Mail;
using Digest.TestSupport;

namespace Digest.Mailer.Tests.Harness;

/// <summary>Proves the smtp-sink harness with an independent client before any of our mail code relies on it.</summary>
public sealed class SmtpSinkTests
{
    [Test]
    public async Task A_message_sent_to_the_sink_is_collected_with_its_envelope_and_text()
    {
        using var sink = await SmtpSink.StartAsync();
#pragma warning disable CA2000 // disposed by the using on the client below
        using var client = new SmtpClient(SmtpSink.Host, sink.Port);
#pragma warning restore CA2000
        using var message = new MailMessage("sender@example.test", "reader@example.test", "Harness check", "Hello from the harness.");

        await client.SendMailAsync(message);
        var received = await sink.WaitForMessagesAsync(1);

        Assert.That(received, Has.Count.EqualTo(1));
        Assert.That(received[0].MailFrom, Does.Contain("sender@example.test"));
        Assert.That(received[0].RcptTo, Has.Some.Contains("reader@example.test"));
        Assert.That(received[0].Message, Does.Contain("Subject: Harness check").And.Contain("Hello from the harness."));
    }

    [Test]
    public async Task A_sink_told_to_reject_RCPT_answers_5xx()
    {
        using var sink = await SmtpSink.StartAsync("-f", "RCPT");
        using var client = new SmtpClient(SmtpSink.Host, sink.Port);
        using var message = new MailMessage("sender@example.test", "reader@example.test", "Refused", "x");

        var error = Assert.CatchAsync<SmtpException>(() => client.SendMailAsync(message));

        Assert.That((int)error!.StatusCode, Is.GreaterThanOrEqualTo(500));
        Assert.That(sink.Messages(), Is.Empty);
    }
}

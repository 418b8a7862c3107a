using Digest.Mailer.Smtp;
using Digest.TestSupport;

namespace Digest.Mailer.Tests.Smtp;

/// <summary>Postfix's smtp-sink with its fault modes: each fault gives the outcome the contract promises.</summary>
public sealed class SmtpSinkFaultTests
{
    [TestCase("", DeliveryOutcome.Sent, TestName = "A_healthy_sink_takes_the_message")]
    [TestCase("-p", DeliveryOutcome.Sent, TestName = "A_sink_without_pipelining_takes_the_message_one_command_at_a_time")]
    [TestCase("-e", DeliveryOutcome.Sent, TestName = "A_sink_without_ESMTP_is_greeted_with_HELO")]
    [TestCase("-f EHLO", DeliveryOutcome.Sent, TestName = "A_sink_refusing_EHLO_is_greeted_with_HELO")]
    [TestCase("-r MAIL", DeliveryOutcome.Deferred, TestName = "MAIL_answered_4xx_by_the_sink_is_deferred")]
    [TestCase("-f MAIL", DeliveryOutcome.Failed, TestName = "MAIL_answered_5xx_by_the_sink_is_failed")]
    [TestCase("-r RCPT", DeliveryOutcome.Deferred, TestName = "RCPT_answered_4xx_by_the_sink_is_deferred")]
    [TestCase("-f RCPT", DeliveryOutcome.Failed, TestName = "RCPT_answered_5xx_by_the_sink_is_failed")]
    [TestCase("-r DATA", DeliveryOutcome.Deferred, TestName = "DATA_answered_4xx_by_the_sink_is_deferred")]
    [TestCase("-f DATA", DeliveryOutcome.Failed, TestName = "DATA_answered_5xx_by_the_sink_is_failed")]
    [TestCase("-r .", DeliveryOutcome.Deferred, TestName = "The_final_dot_answered_4xx_by_the_sink_is_deferred")]
    [TestCase("-f .", DeliveryOutcome.Failed, TestName = "The_final_dot_answered_5xx_by_the_sink_is_failed")]
    [TestCase("-q MAIL", DeliveryOutcome.Deferred, TestName = "The_sink_hanging_up_at_MAIL_defers")]
    [TestCase("-q RCPT", DeliveryOutcome.Deferred, TestName = "The_sink_hanging_up_at_RCPT_defers")]
    [TestCase("-q .", DeliveryOutcome.Unknown, TestName = "The_sink_hanging_up_after_the_final_dot_leaves_the_outcome_unknown")]
    [TestCase("-Q RCPT", DeliveryOutcome.Deferred, TestName = "The_sink_answering_RCPT_with_421_defers")]
    [TestCase("-Q .", DeliveryOutcome.Deferred, TestName = "The_sink_answering_the_final_dot_with_421_defers")]
    [TestCase("-A 0", DeliveryOutcome.Failed, TestName = "The_sink_aborting_with_550_after_DATA_fails_the_message")]
    public async Task Sink_fault(string faults, DeliveryOutcome expected)
    {
        using var sink = await SmtpSink.StartAsync(faults.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var log = new LogCollector();
        await using var client = new SmtpClient(new SmtpClientOptions { Host = SmtpSink.Host, Port = sink.Port, Tls = TlsMode.Opportunistic },
            protocolLogger: log.CreateLogger(ProtocolLog.Category));
        await client.ConnectAsync();

        var result = await client.SendAsync(Message());
        await client.DisconnectAsync();

        Assert.That(result.Outcome, Is.EqualTo(expected), $"{result.Detail}\n{string.Join('\n', log.Lines)}");
        Assert.That(result.Recipients.Single().Outcome, Is.EqualTo(expected));
        if (expected == DeliveryOutcome.Sent)
        {
            var received = await sink.WaitForMessagesAsync(1);
            Assert.That(received.Single().Message, Does.Contain("Subject: Fault modes"));
            Assert.That(received.Single().RcptTo, Is.EqualTo(new[] { "<ada@example.test>" }));
        }
        else if (!faults.EndsWith(" .", StringComparison.Ordinal))
        {
            // A fault before the final dot: no message reached the sink. (After the dot the sink
            // keeps its dump of the data whatever it answers, so there is nothing to count.)
            Assert.That(sink.Messages(), Is.Empty);
        }
    }

    [TestCase("-r CONNECT")]
    [TestCase("-f CONNECT")]
    [TestCase("-Q CONNECT")]
    [TestCase("-q CONNECT")]
    public async Task A_sink_refusing_the_session_fails_to_connect(string faults)
    {
        using var sink = await SmtpSink.StartAsync(faults.Split(' '));
        await using var client = new SmtpClient(new SmtpClientOptions { Host = SmtpSink.Host, Port = sink.Port });

        Assert.CatchAsync(() => client.ConnectAsync());
        Assert.That(client.IsConnected, Is.False);
    }

    [Test]
    public async Task One_session_carries_many_messages()
    {
        using var sink = await SmtpSink.StartAsync();
        await using var client = new SmtpClient(new SmtpClientOptions { Host = SmtpSink.Host, Port = sink.Port });
        await client.ConnectAsync();

        var results = new List<SendResult>();
        for (var i = 0; i < 25; i++)
            results.Add(await client.SendAsync(Message()));
        await client.DisconnectAsync();

        Assert.That(results.Select(r => r.Outcome), Is.All.EqualTo(DeliveryOutcome.Sent));
        Assert.That(client.MessagesSent, Is.EqualTo(25));
        Assert.That(await sink.WaitForMessagesAsync(25), Has.Count.EqualTo(25));
    }

    static EmailMessage Message() => new()
    {
        From = MailboxAddress.Parse("sender@example.test"),
        To = [MailboxAddress.Parse("ada@example.test")],
        Subject = "Fault modes",
        TextBody = "Hello.\n.A line with a dot\n",
        HtmlBody = "<p>Hello.</p>",
    };
}

using Digest.Mailer.Mime;
using Digest.Mailer.Relays;
using Digest.Mailer.Smtp;
using Digest.TestSupport;

namespace Digest.Mailer.Tests;

/// <summary>Whose fault a failure is: the reply's code and enhanced status read with the stage it came at (RFC 3463, notes/smtp-mime.md).</summary>
public sealed class FaultTests
{
    [TestCase(SmtpStage.RcptTo, 550, "5.1.1", "No such user here", Fault.Recipient)]
    [TestCase(SmtpStage.RcptTo, 550, "5.1.10", "Recipient address has null MX", Fault.Recipient)]
    [TestCase(SmtpStage.RcptTo, 550, "5.2.1", "Mailbox disabled", Fault.Recipient)]
    [TestCase(SmtpStage.RcptTo, 550, null, "Requested action not taken: mailbox unavailable", Fault.Recipient)]
    [TestCase(SmtpStage.RcptTo, 552, "5.2.2", "Mailbox full", Fault.Message)]
    [TestCase(SmtpStage.RcptTo, 550, "5.7.1", "Message rejected as spam", Fault.Message)]
    [TestCase(SmtpStage.RcptTo, 554, "5.7.1", "<a@b.example>: Relay access denied", Fault.Sender)]
    [TestCase(SmtpStage.RcptTo, 500, "5.3.0", "Error: command failed", Fault.Message)]
    [TestCase(SmtpStage.RcptTo, 530, "5.7.0", "Authentication required", Fault.Sender)]
    [TestCase(SmtpStage.MailFrom, 550, "5.7.1", "Sender address rejected: not owned by user", Fault.Sender)]
    [TestCase(SmtpStage.MailFrom, 553, "5.1.8", "Sender address domain does not exist", Fault.Sender)]
    [TestCase(SmtpStage.MailFrom, 552, "5.3.4", "Message size exceeds fixed limit", Fault.Message)]
    [TestCase(SmtpStage.MailFrom, 535, "5.7.8", "Authentication credentials invalid", Fault.Sender)]
    [TestCase(SmtpStage.Data, 554, "5.6.0", "Message content rejected", Fault.Message)]
    [TestCase(SmtpStage.FinalDot, 550, "5.7.1", "Message rejected due to content restrictions", Fault.Message)]
    [TestCase(SmtpStage.FinalDot, 550, "5.1.1", "User unknown (after DATA)", Fault.Recipient)]
    [TestCase(SmtpStage.Session, 554, null, "No SMTP service here", Fault.Sender)]
    [TestCase(SmtpStage.Local, 553, "5.6.7", "does not offer SMTPUTF8", Fault.Message)]
    [TestCase(SmtpStage.MailFrom, 451, "4.3.0", "Temporary lookup failure", Fault.Transient)]
    [TestCase(SmtpStage.RcptTo, 450, "4.2.1", "Try again later", Fault.Transient)]
    [TestCase(SmtpStage.FinalDot, 421, "4.4.2", "Closing connection", Fault.Transient)]
    [TestCase(SmtpStage.FinalDot, 250, "2.0.0", "Ok", Fault.None)]
    public void A_reply_at_a_stage_is_the_fault_of(SmtpStage stage, int code, string? enhanced, string text, Fault expected) =>
        Assert.That(Faults.Classify(stage, code, enhanced, text), Is.EqualTo(expected));

    [Test]
    public async Task A_relay_refusing_the_sender_is_the_senders_fault_and_is_left_out_until_its_retry_time()
    {
        using var relay = await Aiosmtpd.StartAsync();
        relay.RefuseSender("550 5.7.1 Sender address rejected: not owned by user");
        await using var transport = new SmtpTransport(new MailerOptions
        {
            Relays = [new RelayOptions { Host = SmtpSink.Host, Port = relay.Port, Tls = TlsMode.None }],
            SenderRefusedRetryAfter = TimeSpan.FromMilliseconds(500),
        }, new MessageWriter());

        var refused = await transport.SendAsync(Message("first@example.org"));
        var held = await transport.SendAsync(Message("second@example.org"));
        relay.RefuseSender(null);
        var stillHeld = await transport.SendAsync(Message("third@example.org"));
        await Task.Delay(TimeSpan.FromMilliseconds(700));
        var sent = await transport.SendAsync(Message("fourth@example.org"));

        Assert.Multiple(() =>
        {
            Assert.That((refused.Outcome, refused.Fault), Is.EqualTo((DeliveryOutcome.Failed, Fault.Sender)));
            Assert.That(refused.Detail, Does.StartWith("550 5.7.1"));
            Assert.That((held.Outcome, held.Fault), Is.EqualTo((DeliveryOutcome.Deferred, Fault.Sender)), "left out without a connection");
            Assert.That(held.Detail, Does.Contain("refuses the sender or its setup").And.Contain("550 5.7.1"));
            Assert.That(stillHeld.Fault, Is.EqualTo(Fault.Sender), "until the retry time");
            Assert.That(sent.Outcome, Is.EqualTo(DeliveryOutcome.Sent), "tried again after it");
            Assert.That(transport.Refusals, Is.Empty);
        });
        Assert.That(relay.Messages(), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task A_rejected_recipient_is_that_recipients_fault_and_the_relay_stays_in_use()
    {
        using var relay = await Aiosmtpd.StartAsync();
        await using var transport = new SmtpTransport(new MailerOptions
        {
            Relays = [new RelayOptions { Host = SmtpSink.Host, Port = relay.Port, Tls = TlsMode.None }],
        }, new MessageWriter());

        var bounced = await transport.SendAsync(Message("a@example.org", "reject-me@example.org"));
        var next = await transport.SendAsync(Message("b@example.org"));

        Assert.That((bounced.Outcome, bounced.Fault, bounced.Recipients.Single().EnhancedStatusCode), Is.EqualTo((DeliveryOutcome.Failed, Fault.Recipient, "5.1.1")));
        Assert.That(next.Outcome, Is.EqualTo(DeliveryOutcome.Sent));
    }

    static EmailMessage Message(string id, string to = "reader@example.test") => new()
    {
        From = MailboxAddress.Parse("digest@example.org"),
        To = [MailboxAddress.Parse(to)],
        Subject = "Faults",
        MessageId = id,
        TextBody = "Whose fault?\n",
    };
}

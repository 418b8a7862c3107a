using Digest.TestSupport;
using System.Text;
using Digest.Mailer.Mime;
using Digest.Mailer.Relays;
using Digest.Mailer.Smtp;

namespace Digest.Mailer.Tests.Smtp;

/// <summary>A real SMTP server (aiosmtpd, Debian's python3) receiving through the pool into files.</summary>
public sealed class AiosmtpdTests
{
    static readonly DateTimeOffset Sent = new(2025, 9, 8, 7, 0, 0, TimeSpan.FromHours(2));

    [Test]
    public async Task A_message_arrives_byte_for_byte_as_written()
    {
        using var server = await Aiosmtpd.StartAsync();
        var writer = new MessageWriter();
        await using var transport = Transport(server.Port, writer);
        var message = Message("ada@example.test");

        var result = await transport.SendAsync(message);
        var received = (await server.WaitForMessagesAsync(1)).Single();

        Assert.That(result.Outcome, Is.EqualTo(DeliveryOutcome.Sent), result.Detail);
        Assert.That(received.MailFrom, Is.EqualTo("digest@example.org"));
        Assert.That(received.RcptTo, Is.EqualTo(new[] { "ada@example.test" }));
        Assert.That(Encoding.UTF8.GetString(received.Content), Is.EqualTo(Encoding.UTF8.GetString(writer.ToBytes(message))));
    }

    [Test]
    public async Task Each_recipient_gets_the_outcome_of_its_own_reply()
    {
        using var server = await Aiosmtpd.StartAsync();
        await using var transport = Transport(server.Port, new MessageWriter());

        var result = await transport.SendAsync(Message("ok@example.test", "defer@example.test", "reject@example.test"));
        var received = (await server.WaitForMessagesAsync(1)).Single();

        Assert.That(result.Recipients.Select(r => r.Outcome), Is.EqualTo(new[] { DeliveryOutcome.Sent, DeliveryOutcome.Deferred, DeliveryOutcome.Failed }));
        Assert.That(result.Recipients[2].EnhancedStatusCode, Is.EqualTo("5.1.1"));
        Assert.That(result.Outcome, Is.EqualTo(DeliveryOutcome.Deferred), "the deferred recipient must be retried");
        Assert.That(received.RcptTo, Is.EqualTo(new[] { "ok@example.test" }));
    }

    [Test]
    public async Task A_tenth_of_recipients_deferred_are_counted_exactly()
    {
        using var server = await Aiosmtpd.StartAsync();
        await using var transport = Transport(server.Port, new MessageWriter());

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            transport.SendAsync(Message(i % 10 == 0 ? $"defer{i}@example.test" : $"reader{i}@example.test"))));
        var received = await server.WaitForMessagesAsync(180);

        Assert.That(results.Count(r => r.Outcome == DeliveryOutcome.Deferred), Is.EqualTo(20));
        Assert.That(results.Count(r => r.Outcome == DeliveryOutcome.Sent), Is.EqualTo(180));
        Assert.That(received.SelectMany(r => r.RcptTo).Order(), Is.EqualTo(Enumerable.Range(0, 200).Where(i => i % 10 != 0).Select(i => $"reader{i}@example.test").Order()));
    }

    [Test]
    public async Task STARTTLS_and_AUTH_work_against_a_real_server()
    {
        using var certificate = TestCertificate.Create();
        using var server = await Aiosmtpd.StartAsync(tls: (certificate, "ada", "correct horse"));
        var relay = new RelayOptions
        {
            Host = "127.0.0.1",
            Port = server.Port,
            Tls = TlsMode.Required,
            TrustedCertificatePath = certificate.PublicPemPath,
            UserName = "ada",
            Password = "correct horse",
        };
        await using var transport = new SmtpTransport(new MailerOptions { Relays = [relay] }, new MessageWriter());

        var result = await transport.SendAsync(Message("grace@example.test"));
        var received = (await server.WaitForMessagesAsync(1)).Single();

        Assert.That(result.Outcome, Is.EqualTo(DeliveryOutcome.Sent), result.Detail);
        Assert.That(received.Tls, Is.True);
        Assert.That(received.User, Is.EqualTo("ada"));
    }

    [Test]
    public async Task A_certificate_nobody_trusts_is_refused()
    {
        using var certificate = TestCertificate.Create();
        using var server = await Aiosmtpd.StartAsync(tls: (certificate, "ada", "pw"));
        var relay = new RelayOptions { Host = "127.0.0.1", Port = server.Port, Tls = TlsMode.Required, UserName = "ada", Password = "pw" };
        await using var client = new SmtpClient(relay);

        var error = Assert.CatchAsync(() => client.ConnectAsync());

        Assert.That(error, Is.InstanceOf<System.Security.Authentication.AuthenticationException>());
        Assert.That(server.Messages(), Is.Empty);
    }

    [Test]
    public async Task An_internationalised_address_is_delivered_with_SMTPUTF8()
    {
        using var server = await Aiosmtpd.StartAsync(smtpUtf8: true);
        await using var transport = Transport(server.Port, new MessageWriter());

        var result = await transport.SendAsync(Message("用户@例え.テスト"));
        var received = (await server.WaitForMessagesAsync(1)).Single();

        Assert.That(result.Outcome, Is.EqualTo(DeliveryOutcome.Sent), result.Detail);
        Assert.That(received.MailOptions, Does.Contain("SMTPUTF8"));
        Assert.That(received.RcptTo, Is.EqualTo(new[] { "用户@xn--r8jz45g.xn--zckzah" }));
        Assert.That(Encoding.UTF8.GetString(received.Content), Does.Contain("To: 用户@xn--r8jz45g.xn--zckzah"));
    }

    static SmtpTransport Transport(int port, MessageWriter writer) =>
        new(new MailerOptions { Relays = [new RelayOptions { Host = "127.0.0.1", Port = port, Connections = 4 }] }, writer);

    static EmailMessage Message(params string[] to) => new()
    {
        From = MailboxAddress.Parse("digest@example.org", "Paper Digest"),
        To = to.Select(a => MailboxAddress.Parse(a)).ToList(),
        Subject = "Today: 3 papers — 注意力",
        Date = Sent,
        MessageId = "issue-1.reader@example.org",
        Headers = [new("List-Unsubscribe", "<https://digest.example.org/unsubscribe/TOKEN>"), new("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")],
        TextBody = ".A line starting with a dot\n..and two\n" + new string('x', 3000) + "\nend\n",
    };
}

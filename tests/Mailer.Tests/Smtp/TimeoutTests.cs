using Digest.Mailer.Smtp;
using Digest.TestSupport;

namespace Digest.Mailer.Tests.Smtp;

/// <summary>
/// RFC 5321 §4.5.3.2's waits, crossed on a manual clock: the test waits until the client has set
/// its timer, moves time to just before it (nothing happens), then just past it.
/// </summary>
public sealed class TimeoutTests
{
    const string Greeting = "S: 220 scripted.example.test ESMTP\nC: EHLO client.example.test\nS: 250-scripted.example.test\nS: 250 PIPELINING";
    const string Envelope = "C: MAIL FROM:<sender@example.test>\nC: RCPT TO:<ada@example.test>\nC: DATA";

    [Test]
    public async Task The_reply_to_the_final_dot_is_awaited_ten_minutes_then_the_outcome_is_unknown()
    {
        var (server, client, time) = await ConnectAsync(Greeting, Envelope, "S: 250 Ok\nS: 250 Ok\nS: 354 Go ahead\nC: <DATA>\n!hold");
        await using (server)
        await using (client)
        {
            var send = client.SendAsync(Message());

            var result = await CrossAsync(time, TimeSpan.FromMinutes(10), send);

            Assert.That(result.Outcome, Is.EqualTo(DeliveryOutcome.Unknown));
            Assert.That(result.Detail, Does.Contain("after the final dot").And.Contain("the reply to the final dot"));
            Assert.That(await server.FinishAsync(TimeSpan.FromSeconds(10)), Is.Empty);
        }
    }

    [Test]
    public async Task The_reply_to_DATA_is_awaited_two_minutes_then_the_message_is_deferred()
    {
        var (server, client, time) = await ConnectAsync(Greeting, Envelope, "S: 250 Ok\nS: 250 Ok\n!hold");
        await using (server)
        await using (client)
        {
            var result = await CrossAsync(time, TimeSpan.FromMinutes(2), client.SendAsync(Message()));

            Assert.That(result.Outcome, Is.EqualTo(DeliveryOutcome.Deferred));
            Assert.That(result.Detail, Does.Contain("the reply to DATA"));
            Assert.That(client.IsConnected, Is.False);
        }
    }

    [Test]
    public async Task The_greeting_is_awaited_five_minutes_then_connecting_fails()
    {
        var time = new ManualTime();
        await using var server = new ScriptedServer(["!hold"]);
        await using var client = new SmtpClient(Options(server), timeProvider: time);

        var connect = client.ConnectAsync();
        await WaitForTimerAsync(time, TimeSpan.FromMinutes(5));
        time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        Assert.That(connect.IsCompleted, Is.False);
        time.Advance(TimeSpan.FromSeconds(2));

        var error = Assert.ThrowsAsync<TimeoutException>(() => connect.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.That(error!.Message, Does.Contain("the greeting"));
    }

    static async Task<SendResult> CrossAsync(ManualTime time, TimeSpan timeout, Task<SendResult> send)
    {
        await WaitForTimerAsync(time, timeout);
        time.Advance(timeout - TimeSpan.FromSeconds(1));
        Assert.That(send.IsCompleted, Is.False, "gave up before the time RFC 5321 allows");
        time.Advance(TimeSpan.FromSeconds(2));
        return await send.WaitAsync(TimeSpan.FromSeconds(30));
    }

    static async Task WaitForTimerAsync(ManualTime time, TimeSpan timeout) =>
        Assert.That(await WaitFor.ConditionAsync(() => Task.FromResult(time.HasTimerDueIn(timeout)), TimeSpan.FromSeconds(20)), Is.True,
            $"the client never started waiting {timeout}");

    static async Task<(ScriptedServer, SmtpClient, ManualTime)> ConnectAsync(params string[] script)
    {
        var time = new ManualTime();
        var server = new ScriptedServer(string.Join('\n', script).Split('\n'));
        var client = new SmtpClient(Options(server), timeProvider: time);
        await client.ConnectAsync();
        return (server, client, time);
    }

    static SmtpClientOptions Options(ScriptedServer server) =>
        new() { Host = "127.0.0.1", Port = server.Port, Tls = TlsMode.None, HeloName = "client.example.test" };

    static EmailMessage Message() => new()
    {
        From = MailboxAddress.Parse("sender@example.test"),
        To = [MailboxAddress.Parse("ada@example.test")],
        Subject = "Waiting",
        TextBody = "Hello.\n",
    };
}

using Digest.Mailer.Mime;
using Digest.Mailer.Relays;
using Digest.Mailer.Smtp;
using Digest.Mailer.Tests.Smtp;
using Digest.TestSupport;
using static Digest.Mailer.Tests.Relays.RelayMail;

namespace Digest.Mailer.Tests.Relays;

/// <summary>The pool: many senders, reuse, caps, idle close, reconnect, failover, rate limit.</summary>
public sealed class SmtpTransportTests
{
    [Test]
    public async Task Many_concurrent_senders_lose_nothing_and_duplicate_nothing()
    {
        using var sink = await SmtpSink.StartAsync();
        await using var transport = Transport(new RelayOptions { Host = SmtpSink.Host, Port = sink.Port, Connections = 8, MaxMessagesPerConnection = 40 });
        var ids = Enumerable.Range(0, 600).Select(i => $"m{i}@example.org").ToList();

        var results = await Task.WhenAll(ids.Select(id => Task.Run(() => transport.SendAsync(Message(id)))));
        var received = await sink.WaitForMessagesAsync(ids.Count, TimeSpan.FromSeconds(60));

        Assert.That(results.Select(r => r.Outcome), Is.All.EqualTo(DeliveryOutcome.Sent));
        Assert.That(received.Select(m => IdOf(m.Message)).Order(), Is.EqualTo(ids.Order()));
    }

    [Test]
    public async Task Connections_are_reused_and_replaced_after_their_message_cap()
    {
        using var sink = await SmtpSink.StartAsync();
        var log = new LogCollector();
        await using (var transport = Transport(new RelayOptions { Host = SmtpSink.Host, Port = sink.Port, Connections = 2, MaxMessagesPerConnection = 10 }, log))
        {
            for (var i = 0; i < 40; i++)
                Assert.That((await transport.SendAsync(Message($"seq{i}@example.org"))).Outcome, Is.EqualTo(DeliveryOutcome.Sent));
        }

        Assert.That(Count(log, "S: 220 "), Is.EqualTo(4), "one connection per ten messages");
        Assert.That(Count(log, "C: QUIT"), Is.EqualTo(4), "each closed with QUIT");
        Assert.That(await sink.WaitForMessagesAsync(40), Has.Count.EqualTo(40));
    }

    [Test]
    public async Task An_idle_connection_is_closed_after_the_idle_timeout()
    {
        using var sink = await SmtpSink.StartAsync();
        var log = new LogCollector();
        var time = new ManualTime();
        await using var transport = Transport(new RelayOptions { Host = SmtpSink.Host, Port = sink.Port, IdleTimeout = TimeSpan.FromSeconds(30) }, log, time);
        await transport.SendAsync(Message("first@example.org"));
        Assert.That(Count(log, "C: QUIT"), Is.Zero);

        time.Advance(TimeSpan.FromSeconds(45));

        Assert.That(await WaitFor.ConditionAsync(() => Task.FromResult(Count(log, "C: QUIT") == 1), TimeSpan.FromSeconds(10)), Is.True);
        await transport.SendAsync(Message("second@example.org"));
        Assert.That(Count(log, "S: 220 "), Is.EqualTo(2), "a fresh connection after the idle one was closed");
    }

    [Test]
    public async Task A_reused_connection_closed_with_421_is_replaced_and_the_message_still_goes()
    {
        await using var server = new ScriptedServer([
            .. Greeting, .. Accepted("a@example.org"),
            "C: MAIL FROM:<digest@example.org>", "C: RCPT TO:<a@example.org>", "C: DATA", "S: 421 4.4.2 Idle too long, closing", "!next",
            .. Greeting, .. Accepted("a@example.org"), "C: QUIT", "S: 221 Bye",
        ]);
        await using (var transport = Transport(Relay(server.Port)))
        {
            var first = await transport.SendAsync(Message("1@example.org", "a@example.org"));
            var second = await transport.SendAsync(Message("2@example.org", "a@example.org"));

            Assert.That(first.Outcome, Is.EqualTo(DeliveryOutcome.Sent));
            Assert.That(second.Outcome, Is.EqualTo(DeliveryOutcome.Sent), second.Detail);
        }
        Assert.That(await server.FinishAsync(TimeSpan.FromSeconds(20)), Is.Empty);
    }

    [Test]
    public async Task After_421_the_message_is_deferred_and_the_next_one_reconnects()
    {
        await using var server = new ScriptedServer([
            .. Greeting,
            "C: MAIL FROM:<digest@example.org>", "C: RCPT TO:<a@example.org>", "C: DATA", "S: 421 4.3.2 Shutting down", "!next",
            .. Greeting, .. Accepted("a@example.org"), "C: QUIT", "S: 221 Bye",
        ]);
        await using (var transport = Transport(Relay(server.Port)))
        {
            var first = await transport.SendAsync(Message("1@example.org", "a@example.org"));
            var second = await transport.SendAsync(Message("2@example.org", "a@example.org"));

            Assert.That(first.Outcome, Is.EqualTo(DeliveryOutcome.Deferred), "a fresh connection that fails is not retried at once");
            Assert.That(second.Outcome, Is.EqualTo(DeliveryOutcome.Sent));
        }
        Assert.That(await server.FinishAsync(TimeSpan.FromSeconds(20)), Is.Empty);
    }

    [Test]
    public async Task An_unknown_outcome_is_returned_and_never_retried_even_on_a_reused_connection()
    {
        await using var server = new ScriptedServer([
            .. Greeting, .. Accepted("a@example.org"),
            "C: MAIL FROM:<digest@example.org>", "C: RCPT TO:<a@example.org>", "C: DATA", "S: 250 Ok", "S: 250 Ok", "S: 354 Go", "C: <DATA>", "!close",
        ]);
        await using var transport = Transport(Relay(server.Port));

        var first = await transport.SendAsync(Message("1@example.org", "a@example.org"));
        var second = await transport.SendAsync(Message("2@example.org", "a@example.org"));

        Assert.That(first.Outcome, Is.EqualTo(DeliveryOutcome.Sent));
        Assert.That(second.Outcome, Is.EqualTo(DeliveryOutcome.Unknown));
        Assert.That(await server.FinishAsync(TimeSpan.FromSeconds(20)), Is.Empty);
        Assert.That(server.Data, Has.Count.EqualTo(2), "the second message went exactly once");
    }

    [Test]
    public async Task Messages_fail_over_to_the_next_relay_when_one_is_down()
    {
        using var sink = await SmtpSink.StartAsync();
        var log = new LogCollector();
        var down = new RelayOptions { Host = "127.0.0.1", Port = FreePort.Next(), Weight = 1000 };
        var up = new RelayOptions { Host = SmtpSink.Host, Port = sink.Port, Weight = 1 };
        await using var transport = new SmtpTransport(new MailerOptions { Relays = [down, up], RelayRetryAfter = TimeSpan.FromMinutes(5) }, new MessageWriter(), log);

        var results = new List<SendResult>();
        for (var i = 0; i < 20; i++)
            results.Add(await transport.SendAsync(Message($"f{i}@example.org")));

        Assert.That(results.Select(r => r.Outcome), Is.All.EqualTo(DeliveryOutcome.Sent));
        Assert.That(log.Lines.Count(l => l.Contains("cannot be reached", StringComparison.Ordinal)), Is.EqualTo(1),
            "the relay that is down is left out after it failed once");
        Assert.That(await sink.WaitForMessagesAsync(20), Has.Count.EqualTo(20));
    }

    [Test]
    public async Task With_every_relay_down_the_message_is_deferred()
    {
        await using var transport = Transport(new RelayOptions { Host = "127.0.0.1", Port = FreePort.Next() });

        var first = await transport.SendAsync(Message("x@example.org"));
        var second = await transport.SendAsync(Message("y@example.org"));

        Assert.That(first.Outcome, Is.EqualTo(DeliveryOutcome.Deferred));
        Assert.That(first.Detail, Does.Contain("No relay could be reached"));
        Assert.That(second.Outcome, Is.EqualTo(DeliveryOutcome.Deferred));
        Assert.That(second.Detail, Does.Contain("left out"));
    }

    [Test]
    public async Task Relays_share_the_messages_by_weight()
    {
        using var heavy = await SmtpSink.StartAsync();
        using var light = await SmtpSink.StartAsync();
        await using var transport = new SmtpTransport(new MailerOptions
        {
            Relays =
            [
                new RelayOptions { Host = SmtpSink.Host, Port = heavy.Port, Weight = 3 },
                new RelayOptions { Host = SmtpSink.Host, Port = light.Port, Weight = 1 },
            ],
        }, new MessageWriter());

        await Task.WhenAll(Enumerable.Range(0, 400).Select(i => transport.SendAsync(Message($"w{i}@example.org"))));
        await WaitFor.ConditionAsync(() => Task.FromResult(heavy.Messages().Count + light.Messages().Count == 400), TimeSpan.FromSeconds(30));

        // Binomial(400, 3/4): 300 expected, standard deviation 8.7; 60 is seven of them.
        Assert.That(heavy.Messages().Count, Is.InRange(240, 360));
        Assert.That(heavy.Messages().Count + light.Messages().Count, Is.EqualTo(400));
    }

    [Test]
    public async Task The_rate_limit_lets_messages_out_one_interval_apart()
    {
        using var sink = await SmtpSink.StartAsync();
        var time = new ManualTime();
        await using var transport = Transport(new RelayOptions { Host = SmtpSink.Host, Port = sink.Port, Connections = 4, MessagesPerSecond = 20 }, time: time);

        var sends = Enumerable.Range(0, 8).Select(i => transport.SendAsync(Message($"r{i}@example.org"))).ToList();
        var done = new List<int>();
        for (var step = 0; step < 8; step++)
        {
            // Each 50 ms step releases exactly one more message; wait until it is through.
            var expected = step + 1;
            await WaitFor.ConditionAsync(() => Task.FromResult(sends.Count(s => s.IsCompleted) >= expected), TimeSpan.FromSeconds(20));
            done.Add(sends.Count(s => s.IsCompleted));
            time.Advance(TimeSpan.FromMilliseconds(50));
        }

        Assert.That(done, Is.EqualTo(Enumerable.Range(1, 8)));
        Assert.That((await Task.WhenAll(sends)).Select(r => r.Outcome), Is.All.EqualTo(DeliveryOutcome.Sent));
    }

    [Test]
    public async Task An_invalid_message_throws_before_any_connection_is_made()
    {
        using var sink = await SmtpSink.StartAsync();
        var log = new LogCollector();
        await using var transport = Transport(new RelayOptions { Host = SmtpSink.Host, Port = sink.Port }, log);
        var message = Message("bad@example.org");

        var error = Assert.ThrowsAsync<InvalidMessageException>(() => transport.SendAsync(new EmailMessage
        {
            From = message.From,
            To = message.To,
            Subject = "Hello\r\nBcc: everyone@example.org",
        }));

        Assert.That(error!.Field, Is.EqualTo("Subject"));
        Assert.That(log.Lines, Is.Empty, "no connection was opened");
        Assert.That(sink.Messages(), Is.Empty);
    }

    [Test]
    public async Task A_cancelled_sender_waiting_for_a_connection_gets_cancellation_and_sends_nothing()
    {
        await using var server = new ScriptedServer([.. Greeting, "C: MAIL FROM:<digest@example.org>", "C: RCPT TO:<a@example.org>", "C: DATA", "!hold"]);
        await using var transport = Transport(Relay(server.Port));
        var holding = transport.SendAsync(Message("1@example.org", "a@example.org"));
        using var cancel = new CancellationTokenSource();

        var waiting = transport.SendAsync(Message("2@example.org", "a@example.org"), cancel.Token);
        await cancel.CancelAsync();

        Assert.CatchAsync<OperationCanceledException>(() => waiting);
        Assert.That(holding.IsCompleted, Is.False);
    }


    static string[] Accepted(string to) =>
        ["C: MAIL FROM:<digest@example.org>", $"C: RCPT TO:<{to}>", "C: DATA", "S: 250 Ok", "S: 250 Ok", "S: 354 Go", "C: <DATA>", "S: 250 Ok"];

    static RelayOptions Relay(int port) =>
        new() { Host = "127.0.0.1", Port = port, Tls = TlsMode.None, HeloName = "client.example.test", Connections = 1 };

    static SmtpTransport Transport(RelayOptions relay, LogCollector? log = null, TimeProvider? time = null) =>
        new(new MailerOptions { Relays = [relay], ProtocolLog = log is not null }, new MessageWriter(), log, time);

    static int Count(LogCollector log, string text) => log.Lines.Count(l => l.Contains(text, StringComparison.Ordinal));
}

using Digest.Mailer.Mime;
using Digest.Mailer.Relays;
using Digest.Mailer.Smtp;
using Digest.Mailer.Tests.Smtp;
using Digest.TestSupport;
using static Digest.Mailer.Tests.Relays.RelayMail;

namespace Digest.Mailer.Tests.Relays;

/// <summary>
/// A sender done with a connection hands it to the first one waiting, whose envelope it sends behind
/// its own final dot (RFC 2920 §3.1): what each message's outcome is when that goes wrong, and that
/// nothing is lost or sent twice when it goes right.
/// </summary>
public sealed class PipelinedHandoffTests
{
    // The server reads the second envelope before it answers the first final dot: a client that
    // waited for that answer would stall the script.
    static readonly string[] SecondEnvelopeBehindTheFirstDot =
        ["C: <DATA>", "C: MAIL FROM:<digest@example.org>", "C: RCPT TO:<b@example.org>", "C: DATA"];

    [Test]
    public async Task A_waiting_senders_envelope_goes_out_behind_the_final_dot_and_its_message_follows()
    {
        await using var server = new ScriptedServer([
            .. Greeting, .. Envelope("a@example.org"), .. SecondEnvelopeBehindTheFirstDot,
            "S: 250 Ok first", "S: 250 Ok", "S: 250 Ok", "S: 354 Go", "C: <DATA>", "S: 250 Ok second",
            "C: QUIT", "S: 221 Bye",
        ]);
        var (first, second) = await SendTwoAsync(server.Port);

        Assert.That(await server.FinishAsync(TimeSpan.FromSeconds(20)), Is.Empty);
        Assert.That((first.Outcome, first.Detail), Is.EqualTo((DeliveryOutcome.Sent, "250 Ok first")));
        Assert.That((second.Outcome, second.Detail), Is.EqualTo((DeliveryOutcome.Sent, "250 Ok second")));
        Assert.That(server.Data, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task A_final_dot_answered_with_421_defers_that_message_and_the_waiting_one_goes_on_a_fresh_connection()
    {
        await using var server = new ScriptedServer([
            .. Greeting, .. Envelope("a@example.org"), .. SecondEnvelopeBehindTheFirstDot,
            "S: 421 4.3.2 Shutting down", "!next",
            .. Greeting, .. Envelope("b@example.org"), "C: <DATA>", "S: 250 Ok second", "C: QUIT", "S: 221 Bye",
        ]);
        var (first, second) = await SendTwoAsync(server.Port);

        Assert.That(await server.FinishAsync(TimeSpan.FromSeconds(20)), Is.Empty);
        Assert.That(first.Outcome, Is.EqualTo(DeliveryOutcome.Deferred), first.Detail);
        Assert.That((second.Outcome, second.Detail), Is.EqualTo((DeliveryOutcome.Sent, "250 Ok second")));
    }

    [Test]
    public async Task A_connection_lost_after_the_final_dot_leaves_that_message_unknown_and_the_waiting_one_is_still_sent_once()
    {
        await using var server = new ScriptedServer([
            .. Greeting, .. Envelope("a@example.org"), .. SecondEnvelopeBehindTheFirstDot, "!next",
            .. Greeting, .. Envelope("b@example.org"), "C: <DATA>", "S: 250 Ok second", "C: QUIT", "S: 221 Bye",
        ]);
        var (first, second) = await SendTwoAsync(server.Port);

        Assert.That(await server.FinishAsync(TimeSpan.FromSeconds(20)), Is.Empty);
        Assert.That(first.Outcome, Is.EqualTo(DeliveryOutcome.Unknown), "the first may have been taken: not resent");
        Assert.That((second.Outcome, second.Detail), Is.EqualTo((DeliveryOutcome.Sent, "250 Ok second")), "only its envelope was lost");
        Assert.That(server.Data, Has.Count.EqualTo(2), "each message's content went once");
    }

    [Test]
    public async Task A_refused_pipelined_envelope_defers_only_its_own_message_and_the_connection_goes_on()
    {
        await using var server = new ScriptedServer([
            .. Greeting, .. Envelope("a@example.org"), .. SecondEnvelopeBehindTheFirstDot,
            "S: 250 Ok first", "S: 250 Ok", "S: 450 4.2.1 Mailbox busy", "S: 554 5.5.1 No valid recipients",
            "C: RSET", "S: 250 Ok", "C: MAIL FROM:<digest@example.org>", "C: RCPT TO:<c@example.org>", "C: DATA",
            "S: 250 Ok", "S: 250 Ok", "S: 354 Go", "C: <DATA>", "S: 250 Ok third", "C: QUIT", "S: 221 Bye",
        ]);
        await using (var transport = Transport(server.Port))
        {
            var (first, second) = await SendTwoAsync(transport);
            var third = await transport.SendAsync(Message("3@example.org", "c@example.org"));

            Assert.That(first.Outcome, Is.EqualTo(DeliveryOutcome.Sent));
            Assert.That((second.Outcome, second.Detail), Is.EqualTo((DeliveryOutcome.Deferred, "450 4.2.1 Mailbox busy")));
            Assert.That((third.Outcome, third.Detail), Is.EqualTo((DeliveryOutcome.Sent, "250 Ok third")), "on the same connection");
        }
        Assert.That(await server.FinishAsync(TimeSpan.FromSeconds(20)), Is.Empty);
    }

    [Test]
    public async Task Many_senders_on_few_connections_send_each_message_once_most_envelopes_behind_a_final_dot()
    {
        using var sink = await SmtpSink.StartAsync();
        var log = new LogCollector();
        var ids = Enumerable.Range(0, 300).Select(i => $"h{i}@example.org").ToList();
        SendResult[] results;
        await using (var transport = new SmtpTransport(new MailerOptions
        {
            Relays = [new RelayOptions { Host = SmtpSink.Host, Port = sink.Port, Connections = 3, MaxMessagesPerConnection = 25 }],
            ProtocolLog = true,
        }, new MessageWriter(), log))
        {
            results = await Task.WhenAll(ids.Select(id => Task.Run(() => transport.SendAsync(Message(id)))));
        }
        var received = await sink.WaitForMessagesAsync(ids.Count, TimeSpan.FromSeconds(60));

        Assert.That(results.Select(r => r.Outcome), Is.All.EqualTo(DeliveryOutcome.Sent));
        Assert.That(received.Select(m => IdOf(m.Message)).Order(), Is.EqualTo(ids.Order()), "each once");
        var lines = log.Lines.Select(l => l[(l.IndexOf(": ", StringComparison.Ordinal) + 2)..]).ToList();
        var connections = lines.Select(l => l.Split(' ')[0]).Distinct().ToList();
        var messagesOn = connections.Select(c => lines.Count(l => l.StartsWith(c + " * C: <message", StringComparison.Ordinal))).ToList();
        Assert.That(messagesOn, Is.All.InRange(1, 25), "the cap of 25 a connection holds");
        // Per connection, the line after a message's content is either the server's answer or the
        // next envelope. All but the first of each 25 could go behind a dot; most do.
        var behindTheDot = connections.Sum(c =>
        {
            var own = lines.Where(l => l.StartsWith(c + " ", StringComparison.Ordinal)).ToList();
            return own.Zip(own.Skip(1)).Count(p => p.First.Contains("* C: <message", StringComparison.Ordinal) && p.Second.Contains(" C: MAIL FROM:", StringComparison.Ordinal));
        });
        Assert.That(behindTheDot, Is.InRange(ids.Count / 2, ids.Count - connections.Count));
    }

    [Test]
    public async Task Senders_cancelled_in_line_or_as_the_next_give_their_turn_back_and_what_went_arrived_once()
    {
        using var sink = await SmtpSink.StartAsync();
        await using var transport = new SmtpTransport(new MailerOptions
        {
            Relays = [new RelayOptions { Host = SmtpSink.Host, Port = sink.Port, Connections = 2 }],
        }, new MessageWriter());
        using var cancel = new CancellationTokenSource();
        var sends = Enumerable.Range(0, 200)
            .Select(i => (Id: $"c{i}@example.org", Send: transport.SendAsync(Message($"c{i}@example.org"), i % 2 == 0 ? cancel.Token : default)))
            .ToList();

        await Task.Delay(20);
        await cancel.CancelAsync();
        var sent = new List<string>();
        var unknown = new List<string>();
        foreach (var (id, send) in sends)
        {
            var cancelled = int.Parse(id[1..id.IndexOf('@', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture) % 2 == 0;
            try
            {
                var result = await send.WaitAsync(TimeSpan.FromSeconds(60));
                // Cancelled after its final dot, a message's fate is unknown (it may have been taken).
                Assert.That(result.Outcome, cancelled ? Is.AnyOf(DeliveryOutcome.Sent, DeliveryOutcome.Unknown) : Is.EqualTo(DeliveryOutcome.Sent), $"{id}: {result.Detail}");
                (result.Outcome == DeliveryOutcome.Sent ? sent : unknown).Add(id);
            }
            catch (OperationCanceledException)
            {
                Assert.That(cancelled, $"{id} was not cancelled");
            }
        }
        // Every turn came back: later senders, more than the connections at once, still get through.
        var later = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => transport.SendAsync(Message($"later{i}@example.org"))))
            .WaitAsync(TimeSpan.FromSeconds(60));
        sent.AddRange(Enumerable.Range(0, 10).Select(i => $"later{i}@example.org"));

        Assert.That(later.Select(r => r.Outcome), Is.All.EqualTo(DeliveryOutcome.Sent));
        Assert.That(sent, Has.Count.GreaterThanOrEqualTo(110), "every uncancelled message, and the later ones");
        var received = (await sink.WaitForMessagesAsync(sent.Count, TimeSpan.FromSeconds(60))).Select(m => IdOf(m.Message)).ToList();
        Assert.That(received, Is.Unique, "nothing twice");
        Assert.That(received, Is.SupersetOf(sent), "everything sent arrived");
        Assert.That(received.Except(sent), Is.SubsetOf(unknown), "nothing cancelled before its dot arrived");
    }

    /// <summary>Sends to a@ and, while that one is under way, to b@ over one connection; then closes it (QUIT).</summary>
    static async Task<(SendResult First, SendResult Second)> SendTwoAsync(int port)
    {
        await using var transport = Transport(port);
        return await SendTwoAsync(transport);
    }

    /// <summary>Both results; a client that waited for the final dot's answer would wait out RFC 5321's ten minutes.</summary>
    static async Task<(SendResult First, SendResult Second)> SendTwoAsync(SmtpTransport transport)
    {
        var first = transport.SendAsync(Message("1@example.org", "a@example.org"));
        var second = transport.SendAsync(Message("2@example.org", "b@example.org"));
        await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(20));
        return (await first, await second);
    }

    static string[] Envelope(string to) =>
        ["C: MAIL FROM:<digest@example.org>", $"C: RCPT TO:<{to}>", "C: DATA", "S: 250 Ok", "S: 250 Ok", "S: 354 Go"];

    static SmtpTransport Transport(int port) =>
        new(new MailerOptions
        {
            Relays = [new RelayOptions { Host = "127.0.0.1", Port = port, Tls = TlsMode.None, HeloName = "client.example.test", Connections = 1 }],
        }, new MessageWriter());
}

using System.Text;
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

    [Test]
    public async Task A_final_dot_refused_for_good_fails_that_message_and_the_envelope_behind_it_still_goes_on_the_same_connection()
    {
        // The second envelope's replies come after the 554: they are its own, not the first message's.
        await using var server = new ScriptedServer([
            .. Greeting, .. Envelope("a@example.org"), .. SecondEnvelopeBehindTheFirstDot,
            "S: 554 5.7.1 Message rejected as spam", "S: 250 Ok", "S: 250 Ok", "S: 354 Go", "C: <DATA>", "S: 250 Ok second",
            "C: QUIT", "S: 221 Bye",
        ]);
        var (first, second) = await SendTwoAsync(server.Port);

        Assert.That(await server.FinishAsync(TimeSpan.FromSeconds(20)), Is.Empty);
        Assert.That((first.Outcome, first.Fault, first.Detail), Is.EqualTo((DeliveryOutcome.Failed, Fault.Message, "554 5.7.1 Message rejected as spam")));
        Assert.That((second.Outcome, second.Detail), Is.EqualTo((DeliveryOutcome.Sent, "250 Ok second")));
        Assert.That(server.Data.Select(IdOf), Is.EqualTo(new[] { "1@example.org", "2@example.org" }), "each message's content once");
    }

    [Test]
    public async Task A_rate_limited_relay_sends_nothing_behind_a_final_dot_before_its_answer()
    {
        // A 421 is the one answer after which a client says nothing more on the connection: whatever
        // the server reads after it was written before the answer was read.
        await using var server = new ScriptedServer([
            .. Greeting, .. Envelope("a@example.org"), "C: <DATA>", "S: 421 4.3.2 Shutting down", "!eof", "!next",
            .. Greeting, .. Envelope("b@example.org"), "C: <DATA>", "S: 250 Ok second", "C: QUIT", "S: 221 Bye",
        ]);
        SendResult first, second;
        // 50 a second: the second sender waits its 20 ms slot, then goes.
        await using (var transport = Transport(server.Port, messagesPerSecond: 50))
            (first, second) = await SendTwoAsync(transport);

        Assert.That(await server.FinishAsync(TimeSpan.FromSeconds(20)), Is.Empty);
        Assert.That((first.Outcome, first.Detail), Is.EqualTo((DeliveryOutcome.Deferred, "421 4.3.2 Shutting down")));
        Assert.That((second.Outcome, second.Detail), Is.EqualTo((DeliveryOutcome.Sent, "250 Ok second")));
    }

    // The server offers SIZE but not SMTPUTF8: one waiter has an internationalised address, the other
    // is bigger than the SIZE offered. Its envelope must not go behind the dot, where the server would
    // take it; its sender refuses it without a word to the server when its turn comes.
    [TestCase("ü@example.org", 0, @"^553 5\.6\.7 127\.0\.0\.1 does not offer SMTPUTF8, which an internationalised address needs \(RFC 6531\)$")]
    [TestCase("b@example.org", 5000, @"^552 5\.3\.4 The message has \d+ bytes; 127\.0\.0\.1 takes at most 4000$")]
    public async Task A_waiting_message_the_server_cannot_take_is_not_pipelined_is_refused_and_the_one_behind_it_goes_through(
        string to, int padding, string refusal)
    {
        await using var server = new ScriptedServer([
            "S: 220 scripted.example.test ESMTP", "C: EHLO client.example.test",
            "S: 250-scripted.example.test", "S: 250-SIZE 4000", "S: 250 PIPELINING",
            .. SizedEnvelope("a@example.org"), "C: <DATA>", "S: 250 Ok first",
            .. SizedEnvelope("c@example.org"), "C: <DATA>", "S: 250 Ok third",
            "C: QUIT", "S: 221 Bye",
        ]);
        var unsendable = Message("2@example.org", to, textBody: new string('x', padding) + "\n");
        SendResult[] results;
        await using (var transport = Transport(server.Port))
            results = await SendInLineAsync(transport, Message("1@example.org", "a@example.org"), unsendable, Message("3@example.org", "c@example.org"));

        Assert.That(await server.FinishAsync(TimeSpan.FromSeconds(20)), Is.Empty);
        Assert.That((results[0].Outcome, results[0].Detail), Is.EqualTo((DeliveryOutcome.Sent, "250 Ok first")));
        Assert.That((results[1].Outcome, results[1].Fault), Is.EqualTo((DeliveryOutcome.Failed, Fault.Message)));
        Assert.That(results[1].Detail, Does.Match(refusal));
        Assert.That((results[2].Outcome, results[2].Detail), Is.EqualTo((DeliveryOutcome.Sent, "250 Ok third")));
        Assert.That(server.Data.Select(IdOf), Is.EqualTo(new[] { "1@example.org", "3@example.org" }));
    }

    [Test]
    public async Task A_dot_stuffed_message_arrives_intact_and_the_envelope_behind_its_final_dot_reads_as_commands()
    {
        // A line that is a lone dot would end the message early were it not stuffed, and the rest of
        // the body would reach the server as commands.
        var stuffed = new EmailMessage
        {
            From = MailboxAddress.Parse("digest@example.org"),
            To = [MailboxAddress.Parse("a@example.org")],
            Subject = "Dots",
            MessageId = "1@example.org",
            Date = new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero),
            TextBody = ".starts with a dot\n..two dots\n.\nthe end\n.\n",
        };
        string written;
        using (var outgoing = new MessageWriter().Write(stuffed))
            written = Encoding.ASCII.GetString(outgoing.Content.Span);
        await using var server = new ScriptedServer([
            .. Greeting, .. Envelope("a@example.org"), .. SecondEnvelopeBehindTheFirstDot,
            "S: 250 Ok first", "S: 250 Ok", "S: 250 Ok", "S: 354 Go", "C: <DATA>", "S: 250 Ok second",
            "C: QUIT", "S: 221 Bye",
        ]);
        SendResult[] results;
        await using (var transport = Transport(server.Port))
            results = await SendInLineAsync(transport, stuffed, Message("2@example.org", "b@example.org"));

        Assert.That(await server.FinishAsync(TimeSpan.FromSeconds(20)), Is.Empty);
        Assert.That(results.Select(r => (r.Outcome, r.Detail)),
            Is.EqualTo(new[] { (DeliveryOutcome.Sent, "250 Ok first"), (DeliveryOutcome.Sent, "250 Ok second") }));
        Assert.That(server.Data[0], Does.Contain("\r\n..\r\n"), "stuffed on the wire");
        Assert.That(Unstuffed(server.Data[0]), Is.EqualTo(written), "as written, once the server takes the stuffing off");
        Assert.That(IdOf(server.Data[1]), Is.EqualTo("2@example.org"));
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
        var results = await SendInLineAsync(transport, Message("1@example.org", "a@example.org"), Message("2@example.org", "b@example.org"));
        return (results[0], results[1]);
    }

    /// <summary>Each message by a sender of its own, started in this order: the first takes the connection, the others wait in line behind it.</summary>
    static Task<SendResult[]> SendInLineAsync(SmtpTransport transport, params EmailMessage[] messages) =>
        Task.WhenAll(messages.Select(m => transport.SendAsync(m))).WaitAsync(TimeSpan.FromSeconds(20));

    /// <summary>The data as the server takes it: a line's leading dot is the client's stuffing (RFC 5321 §4.5.2).</summary>
    static string Unstuffed(string data) =>
        string.Join("\r\n", data.Split("\r\n").Select(line => line.StartsWith('.') ? line[1..] : line));

    static string[] Envelope(string to) =>
        ["C: MAIL FROM:<digest@example.org>", $"C: RCPT TO:<{to}>", "C: DATA", "S: 250 Ok", "S: 250 Ok", "S: 354 Go"];

    /// <summary>An envelope to a server that offers SIZE: MAIL declares the message's size.</summary>
    static string[] SizedEnvelope(string to) =>
        ["C: MAIL FROM:<digest@example.org> SIZE=*", $"C: RCPT TO:<{to}>", "C: DATA", "S: 250 Ok", "S: 250 Ok", "S: 354 Go"];

    static SmtpTransport Transport(int port, double messagesPerSecond = 0) =>
        new(new MailerOptions
        {
            Relays = [new RelayOptions
            {
                Host = "127.0.0.1", Port = port, Tls = TlsMode.None, HeloName = "client.example.test", Connections = 1,
                MessagesPerSecond = messagesPerSecond,
            }],
        }, new MessageWriter());
}

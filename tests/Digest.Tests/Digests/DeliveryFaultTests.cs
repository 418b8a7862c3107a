using Digest.TestSupport;
using Digest.Tests.Digests.Harness;
using static Digest.Tests.Digests.Harness.ServiceRuns;

namespace Digest.Tests.Digests;

/// <summary>
/// The reliability promises (design.md) as faults injected into the real executable, counted at a
/// real SMTP peer by Message-ID: an orderly stop duplicates nothing; a short lease on two instances
/// duplicates nothing; a relay that refuses the sender suppresses nobody and loses nothing; a
/// relay's 4xx is retried and its 5xx never, and only a recipient's own refusal counts against it.
/// </summary>
public sealed class DeliveryFaultTests
{
    [Test]
    public async Task SIGTERM_while_planning_mid_batch_and_late_in_the_run_then_a_restart_loses_nothing_and_duplicates_nothing()
    {
        const int Subscribers = 200;
        // -w 1: every DATA is answered after a second, so sends are always under way when the stop comes.
        using var sink = await SmtpSink.StartAsync("-w", "1");
        var connectionString = await SeedAsync(Subscribers);
        var stops = new List<string>();

        foreach (var (what, until) in new (string, Func<DigestProcess, Task<bool>>)[]
        {
            ("while planning", service => Task.FromResult(service.Output.Contains("Plan fired", StringComparison.Ordinal))),
            ("mid-batch", _ => Task.FromResult(sink.Messages().Count >= 60)),
            ("late in the run", _ => Task.FromResult(sink.Messages().Count >= 140)),
        })
        {
            using var service = StartService(connectionString, sink.Port);
            await WaitForAsync(() => until(service), service, what);
            service.Terminate();
            var exit = await service.WaitForExitAsync(TimeSpan.FromSeconds(60));
            stops.Add($"{what}: {sink.Messages().Count} at the sink");
            Assert.That(exit, Is.Zero, $"an orderly stop {what}:\n{service.Output}");
            Assert.That(await ClaimedAsync(connectionString), Is.Zero, $"after the stop {what} nothing is left claimed: sent ones recorded, the rest released");
            Assert.That(MessageIds(sink.Messages()), Is.Unique, $"no duplicate after the stop {what}");
        }
        using (var last = StartService(connectionString, sink.Port))
        {
            await WaitForAsync(async () => await SentAsync(connectionString) == Subscribers, last, "every issue sent");
            last.Terminate();
            await last.WaitForExitAsync(TimeSpan.FromSeconds(60));
        }

        var ids = MessageIds(sink.Messages());
        TestContext.Out.WriteLine($"SIGTERM run: {Subscribers} planned, {ids.Count} received, {ids.Distinct().Count()} distinct; {string.Join("; ", stops)}");
        Assert.That(ids.Distinct().Count(), Is.EqualTo(Subscribers), "lost = 0");
        Assert.That(ids, Has.Count.EqualTo(Subscribers), "duplicates = 0");
    }

    [TestCase(15, TestName = "The send verb stopped by SIGTERM records what it sent, and the next run sends the rest once")]
    [TestCase(2, TestName = "The send verb stopped by Ctrl-C records what it sent, and the next run sends the rest once")]
    public async Task The_send_verb_stops_cleanly_on_a_signal(int signal)
    {
        const int Subscribers = 150;
        using var sink = await SmtpSink.StartAsync("-w", "1");
        var connectionString = await SeedAsync(Subscribers);
        var environment = Environment(connectionString, sink.Port);

        using (var send = DigestProcess.Start(["send"], environment))
        {
            await WaitForAsync(() => Task.FromResult(sink.Messages().Count >= 40), send, "40 messages at the sink");
            if (signal == 15)
                send.Terminate();
            else
                send.Interrupt();
            var exit = await send.WaitForExitAsync(TimeSpan.FromSeconds(60));
            Assert.That(exit, Is.EqualTo(130), send.Output);
            Assert.That(send.Output, Does.Contain("digest: stopped; every send under way was recorded"));
        }
        Assert.That(await ClaimedAsync(connectionString), Is.Zero, "nothing left claimed");
        var atStop = sink.Messages().Count;
        Assert.That(await SentAsync(connectionString), Is.EqualTo(atStop), "every mail that arrived is recorded as sent");

        var (code, output) = await DigestProcess.RunAsync(["send"], environment, TimeSpan.FromMinutes(3));
        Assert.That(code, Is.Zero, output);
        var ids = MessageIds(sink.Messages());
        TestContext.Out.WriteLine($"send verb, signal {signal}: {atStop} at the stop, {ids.Count} received in all, {ids.Distinct().Count()} distinct");
        Assert.That(ids.Distinct().Count(), Is.EqualTo(Subscribers), "lost = 0");
        Assert.That(ids, Has.Count.EqualTo(Subscribers), "duplicates = 0");
    }

    [Test]
    public async Task Two_instances_with_a_lease_shorter_than_a_batch_takes_to_send_send_nothing_twice()
    {
        const int Subscribers = 80;
        using var sink = await SmtpSink.StartAsync("-w", "1");
        var connectionString = await SeedAsync(Subscribers);
        // A batch of 16 at 2 at a time, each DATA answered after a second: ~8 s, against a 3 s lease
        // that only its renewals keep.
        var settings = new Dictionary<string, string?>
        {
            ["Digests__Lease"] = "00:00:03",
            ["Digests__BatchSize"] = "16",
            ["Digests__SendConcurrency"] = "2",
        };

        using var one = StartService(connectionString, sink.Port, settings);
        using var two = StartService(connectionString, sink.Port, settings);
        await WaitForAsync(async () => await SentAsync(connectionString) == Subscribers, one, "every issue sent");
        one.Terminate();
        two.Terminate();
        await one.WaitForExitAsync(TimeSpan.FromSeconds(60));
        await two.WaitForExitAsync(TimeSpan.FromSeconds(60));

        var ids = MessageIds(sink.Messages());
        TestContext.Out.WriteLine($"short lease, two instances: {Subscribers} planned, {ids.Count} received, {ids.Distinct().Count()} distinct");
        Assert.That(ids.Distinct().Count(), Is.EqualTo(Subscribers), "lost = 0");
        Assert.That(ids, Has.Count.EqualTo(Subscribers), "duplicates = 0");
    }

    [Test]
    public async Task A_relay_refusing_the_sender_for_three_runs_suppresses_nobody_and_the_mail_goes_once_it_is_fixed()
    {
        const int Subscribers = 50;
        using var relay = await Aiosmtpd.StartAsync();
        relay.RefuseSender("550 5.7.1 <digest@digest.example.org>: Sender address rejected: not owned by user");
        var connectionString = await SeedAsync(Subscribers);
        var environment = Environment(connectionString, relay.Port, new Dictionary<string, string?>
        {
            // The harshest rule: one hard bounce suppresses. A sender fault must never count as one.
            ["Digests__SuppressAfterHardFailures"] = "1",
            ["Digests__RetryDelay"] = "00:00:01",
        });

        for (var run = 1; run <= 3; run++)
        {
            var (code, output) = await DigestProcess.RunAsync(["send"], environment, TimeSpan.FromMinutes(2));
            Assert.That(code, Is.Zero, output);
            Assert.That(output, Does.Contain("held because a relay refuses the sender"), $"run {run} says so:\n{output}");
            Assert.That(output, Does.Contain("refuses the sender or its setup"), "the log names the fault");
            await Task.Delay(TimeSpan.FromSeconds(1.2)); // the held issues come due again
        }

        Assert.That(await ScalarAsync<int>(connectionString, "SELECT count(*)::int FROM subscribers WHERE status = 'suppressed' OR hard_failures > 0"), Is.Zero, "nobody suppressed, nobody counted");
        Assert.That(await ScalarAsync<int>(connectionString, "SELECT count(*)::int FROM digest_issues WHERE state = 'queued' AND fault = 'sender'"), Is.EqualTo(Subscribers), "every issue still queued, held");
        var stats = await DigestProcess.RunAsync(["stats"], environment);
        Assert.That(stats.Output, Does.Match(@"held: a relay refuses the sender\D*50\b"), stats.Output);
        Assert.That(stats.Output, Does.Contain("550 5.7.1"), "stats shows what the relay said");

        relay.RefuseSender(null);
        var fixedRun = await DigestProcess.RunAsync(["send"], environment, TimeSpan.FromMinutes(2));
        Assert.That(fixedRun.ExitCode, Is.Zero, fixedRun.Output);
        var received = await relay.WaitForMessagesAsync(Subscribers);
        Assert.That(MessageIds(received.Select(m => System.Text.Encoding.UTF8.GetString(m.Content))), Has.Count.EqualTo(Subscribers).And.Unique);
        Assert.That(await SentAsync(connectionString), Is.EqualTo(Subscribers));
    }

    [Test]
    public async Task A_relay_that_throttles_greylists_answers_late_and_refuses_some_mail_gets_each_deliverable_mail_once_and_each_refused_one_tried_once()
    {
        // Every 7th MAIL throttled (454); "defer…" greylisted twice (451 at RCPT); "slow…" answered
        // after 0.5 s; "late…" answered after 60 s the first time, far past the 5 s the service waits
        // for the final dot's reply, and the relay keeps nothing of it; "reject…" refused as no such
        // user (550 5.1.1); "spam…" refused as content at the final dot (554 5.7.1).
        using var relay = await Aiosmtpd.StartAsync(deferTimes: 2, throttleEvery: 7, slow: TimeSpan.FromSeconds(0.5), late: TimeSpan.FromSeconds(60));
        var connectionString = await SeedAsync(60);
        var kinds = new[] { "reader", "defer", "reject", "spam", "slow", "late" };
        await ExecuteAsync(connectionString, """
            UPDATE subscribers s SET email = (ARRAY['reader', 'defer', 'reject', 'spam', 'slow', 'late'])[least(n % 10, 5) + 1] || n || '@example.org'
            FROM (SELECT id, substring(email FROM '^reader(\d+)@')::int AS n FROM subscribers) x
            WHERE s.id = x.id AND n % 10 <= 5
            """);
        var addresses = (await QueryAsync<string>(connectionString, "SELECT email FROM subscribers")).ToLookup(KindOf);
        Assert.That(kinds.Select(k => addresses[k].Count()), Is.EqualTo(new[] { 30, 6, 6, 6, 6, 6 }), "the seeded mix");

        using var service = StartService(connectionString, relay.Port, new Dictionary<string, string?>
        {
            ["Digests__RetryDelay"] = "00:00:01",
            ["Digests__MaxRetryDelay"] = "00:00:02",
            ["Mailer__Relays__0__Timeouts__FinalDot"] = "00:00:05",
        });
        const int Deliverable = 30 + 6 + 6 + 6;
        await WaitForAsync(async () => await SentAsync(connectionString) == Deliverable
            && await ScalarAsync<int>(connectionString, "SELECT count(*)::int FROM digest_issues WHERE state = 'failed'") == 12, service, "every issue sent or failed");
        service.Terminate();
        Assert.That(await service.WaitForExitAsync(TimeSpan.FromSeconds(60)), Is.Zero, service.Output);

        var attempts = relay.Attempts();
        var received = relay.Messages();
        var ids = MessageIds(received.Select(m => System.Text.Encoding.UTF8.GetString(m.Content)));
        int Count(string command, string address, int? code = null) =>
            attempts.Count(a => a.Command == command && a.Address == address && (code is null || a.Code == code));
        TestContext.Out.WriteLine($"bad relay day: {received.Count} received ({ids.Distinct().Count()} distinct), {attempts.Count(a => a is { Command: "MAIL", Code: 454 })} MAILs throttled, {attempts.Count(a => a is { Command: "RCPT", Code: 451 })} RCPTs greylisted, {attempts.Count(a => a is { Command: "DATA", Code: 0 })} final dots answered too late");

        Assert.That(received.SelectMany(m => m.RcptTo), Is.EquivalentTo(kinds.Where(k => k is not ("reject" or "spam")).SelectMany(k => addresses[k])), "every deliverable mail arrived, to its own subscriber");
        Assert.That(ids, Has.Count.EqualTo(Deliverable).And.Unique, "each once: none lost, none twice");
        Assert.That(attempts.Count(a => a is { Command: "MAIL", Code: 454 }), Is.GreaterThan(0), "the relay did throttle");
        Assert.Multiple(() =>
        {
            foreach (var address in addresses["reject"])
                Assert.That(Count("RCPT", address), Is.EqualTo(1), $"{address}: a 550 at RCPT is never retried");
            foreach (var address in addresses["spam"])
                Assert.That(Count("DATA", address), Is.EqualTo(1), $"{address}: a 554 at the final dot is never retried");
            foreach (var address in addresses["defer"])
                Assert.That((Count("RCPT", address, 451), Count("RCPT", address, 250)), Is.EqualTo((2, 1)), $"{address}: greylisted twice, then taken, then not again");
            foreach (var address in addresses["late"])
                Assert.That((Count("DATA", address, 0), Count("DATA", address, 250)), Is.EqualTo((1, 1)), $"{address}: a final dot whose reply never came is sent once more, and only once");
        });

        var states = (await QueryAsync<string>(connectionString, """
            SELECT s.email || ' ' || i.state || ' ' || coalesce(i.fault, '-') || ' ' || s.hard_failures || ' ' || s.status
            FROM digest_issues i JOIN subscribers s ON s.id = i.subscriber_id
            """)).ToLookup(KindOf, line => line[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
        Assert.Multiple(() =>
        {
            Assert.That(states["reject"], Is.All.EqualTo("failed recipient 1 active"), "a recipient's own 5.1.1 counts once against it (three in a row suppress)");
            Assert.That(states["spam"], Is.All.EqualTo("failed message 0 active"), "refused content is final but counts against nobody");
            foreach (var kind in new[] { "reader", "defer", "slow", "late" })
                Assert.That(states[kind], Is.All.EqualTo("sent - 0 active"), $"{kind}: sent; throttling, greylisting and lateness count against nobody");
        });
    }

    /// <summary>"defer13@example.org …": "defer".</summary>
    static string KindOf(string line) => line[..line.AsSpan().IndexOfAnyInRange('0', '9')];
}

using Digest.TestSupport;
using Digest.Tests.Digests.Harness;
using static Digest.Tests.Digests.Harness.ServiceRuns;

namespace Digest.Tests.Digests;

/// <summary>
/// The reliability promises (design.md) as faults injected into the real executable, counted at a
/// real SMTP peer by Message-ID: an orderly stop duplicates nothing; a short lease on two instances
/// duplicates nothing; a relay that refuses the sender suppresses nobody and loses nothing.
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
}

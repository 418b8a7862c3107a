using System.Text.RegularExpressions;
using Digest.Database;
using Digest.Database.Embedded;
using Digest.TestSupport;
using Digest.Tests.Digests.Harness;
using static Digest.Tests.Digests.Harness.ServiceRuns;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Digest.Tests.Digests;

/// <summary>
/// The real executable on real time: the clustered plan job and the delivery workers, killed with
/// kill -9, run twice against one database, and through a PostgreSQL restart. Counted at the sink
/// by Message-ID: nothing planned is lost, and duplicates never exceed what was in flight.
/// </summary>
public sealed partial class ServiceRunTests
{
    [Test]
    public async Task Kill_9_at_several_points_loses_nothing_and_duplicates_no_more_than_were_in_flight()
    {
        const int Subscribers = 200;
        // -w 1: every DATA is answered after a second, so a run lasts long enough to be killed in.
        using var sink = await SmtpSink.StartAsync("-w", "1");
        var connectionString = await SeedAsync(Subscribers);
        var inFlight = 0;

        foreach (var killAt in new[] { 30, 80, 130 })
        {
            using var service = StartService(connectionString, sink.Port);
            await WaitForAsync(() => Task.FromResult(sink.Messages().Count >= killAt), service, $"{killAt} messages at the sink");
            service.KillHard();
            await service.WaitForExitAsync(TimeSpan.FromSeconds(10));
            // Claimed and not recorded: what the dead process had in flight.
            inFlight += await ScalarAsync<int>(connectionString, "SELECT count(*)::int FROM digest_issues WHERE claimed_by IS NOT NULL");
        }
        using (var last = StartService(connectionString, sink.Port))
        {
            await WaitForAsync(async () => await ScalarAsync<int>(connectionString, "SELECT count(*)::int FROM digest_issues WHERE state = 'sent'") == Subscribers, last, "every issue sent");
            last.Interrupt();
            await last.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        var ids = MessageIds(sink.Messages());
        var distinct = ids.Distinct().Count();
        TestContext.Out.WriteLine($"crash run: {Subscribers} planned, {ids.Count} received, {distinct} distinct, {ids.Count - distinct} duplicates, {inFlight} in flight at the kills");
        Assert.That(distinct, Is.EqualTo(Subscribers), "lost = 0");
        Assert.That(ids.Count - distinct, Is.LessThanOrEqualTo(inFlight), "duplicates <= messages in flight");
        Assert.That(await ScalarAsync<int>(connectionString, "SELECT count(*)::int FROM digest_issues"), Is.EqualTo(Subscribers), "one issue each, however often planned");
    }

    [Test]
    public async Task Two_instances_fire_each_plan_once_and_send_each_subscriber_one_digest()
    {
        const int Subscribers = 150;
        using var sink = await SmtpSink.StartAsync();
        var connectionString = await SeedAsync(Subscribers);

        using var one = StartService(connectionString, sink.Port);
        using var two = StartService(connectionString, sink.Port);
        await WaitForAsync(async () => await ScalarAsync<int>(connectionString, "SELECT count(*)::int FROM digest_issues WHERE state = 'sent'") == Subscribers, one, "every issue sent");
        // A few more firings with nothing to do, to see that each still fires on one instance only.
        await Task.Delay(TimeSpan.FromSeconds(4));
        one.Interrupt();
        two.Interrupt();
        await one.WaitForExitAsync(TimeSpan.FromSeconds(30));
        await two.WaitForExitAsync(TimeSpan.FromSeconds(30));

        var firings = PlanFirings().Matches(one.Output).Concat(PlanFirings().Matches(two.Output)).Select(m => m.Groups[1].Value).ToList();
        var ids = MessageIds(await sink.WaitForMessagesAsync(Subscribers));
        Assert.That(firings, Has.Count.GreaterThanOrEqualTo(3), one.Output + two.Output);
        Assert.That(firings, Is.Unique, "a scheduled firing runs on one instance");
        Assert.That(ids, Has.Count.EqualTo(Subscribers).And.Unique);
    }

    [Test]
    public async Task A_PostgreSQL_outage_of_twenty_seconds_mid_run_loses_nothing_and_duplicates_nothing()
    {
        const int Subscribers = 120;
        var folder = Path.Combine(Path.GetTempPath(), "digest-tests", "restart-" + Guid.NewGuid().ToString("N")[..8]);
        var settings = new EmbeddedPostgresSettings(folder, Durable: true);
        var cluster = await EmbeddedPostgres.StartAsync(settings, NullLogger.Instance);
        try
        {
            var connectionString = cluster.ConnectionString("digest");
            await using (var dataSource = NpgsqlDataSource.Create(connectionString))
                await new MigrationRunner(dataSource, NullLogger<MigrationRunner>.Instance).ApplyAsync();
            await SeedAsync(Subscribers, connectionString);
            using var sink = await SmtpSink.StartAsync("-w", "1");

            // The lease outlasts the outage: renewals fail while the database is away, and the
            // outcomes of the sends that finish meanwhile are recorded when it is back.
            using var service = StartService(connectionString, sink.Port, new Dictionary<string, string?> { ["Digests__Lease"] = "00:01:00" });
            await WaitForAsync(() => Task.FromResult(sink.Messages().Count >= 30), service, "30 messages at the sink");
            await cluster.StopAsync();
            var duringOutage = sink.Messages().Count;
            await Task.Delay(TimeSpan.FromSeconds(20));
            cluster = await EmbeddedPostgres.StartAsync(settings, NullLogger.Instance);
            await WaitForAsync(async () => await SentAsync(connectionString) == Subscribers, service, "every issue sent after the outage");
            service.Interrupt();
            await service.WaitForExitAsync(TimeSpan.FromSeconds(60));

            var ids = MessageIds(sink.Messages());
            TestContext.Out.WriteLine($"outage run: {Subscribers} planned, {ids.Count} received ({duringOutage} when the database stopped), {ids.Distinct().Count()} distinct");
            Assert.That(ids.Distinct().Count(), Is.EqualTo(Subscribers), "lost = 0");
            Assert.That(ids, Has.Count.EqualTo(Subscribers), "duplicates = 0");
            Assert.That(service.Output, Does.Contain("Recording the outcomes").Or.Contain("Delivering digests failed"), "the outage was felt");
        }
        finally
        {
            await cluster.StopAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    [GeneratedRegex(@"Plan fired for (\S+)")]
    private static partial Regex PlanFirings();
}

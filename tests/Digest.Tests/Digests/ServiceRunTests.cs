using System.Globalization;
using System.Text.RegularExpressions;
using Dapper;
using Digest.Database;
using Digest.Database.Embedded;
using Digest.TestSupport;
using Digest.Tests.Digests.Harness;
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
    public async Task A_PostgreSQL_restart_mid_run_is_ridden_out_and_nothing_is_lost()
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

            using var service = StartService(connectionString, sink.Port);
            await WaitForAsync(() => Task.FromResult(sink.Messages().Count >= 30), service, "30 messages at the sink");
            await cluster.StopAsync();
            await Task.Delay(TimeSpan.FromSeconds(2));
            cluster = await EmbeddedPostgres.StartAsync(settings, NullLogger.Instance);
            await WaitForAsync(async () => await ScalarAsync<int>(connectionString, "SELECT count(*)::int FROM digest_issues WHERE state = 'sent'") == Subscribers, service, "every issue sent after the restart");
            service.Interrupt();
            await service.WaitForExitAsync(TimeSpan.FromSeconds(30));

            var ids = MessageIds(sink.Messages());
            Assert.That(ids.Distinct().Count(), Is.EqualTo(Subscribers), "lost = 0");
        }
        finally
        {
            await cluster.StopAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Subscribers due now (08:00 local was hours ago or their first delivery is today at 00:00 UTC) and papers seen an hour ago.</summary>
    static async Task<string> SeedAsync(int subscribers, string? connectionString = null)
    {
        var now = DateTimeOffset.UtcNow;
        await using var host = await DigestsHost.StartAsync(now, connectionString: connectionString);
        for (var i = 0; i < 5; i++)
            await host.AddPaperAsync($"2511.{i:00000}", $"Diffusion paper {i}", "A diffusion model.", i, now.AddHours(-1));
        await using var connection = await host.DataSource.OpenConnectionAsync();
        await host.SubscribeAsync("reader0@example.org", ["diffusion"], hour: 0);
        await connection.ExecuteAsync("""
            INSERT INTO subscribers (email, status, frequency, delivery_hour, time_zone, created_at, updated_at, confirmed_at)
            SELECT 'reader' || n || '@example.org', 'active', 'daily', 0, 'UTC', @Then, @Then, @Then FROM generate_series(1, @More) AS n;
            INSERT INTO subscriber_topics (subscriber_id, topic_id, position)
            SELECT s.id, (SELECT id FROM topics WHERE query = 'diffusion'), 0 FROM subscribers s WHERE s.email <> 'reader0@example.org';
            """, new { Then = now.AddDays(-30).UtcDateTime, More = subscribers - 1 });
        return host.ConnectionString;
    }

    static DigestProcess StartService(string connectionString, int smtpPort) => DigestProcess.Start([], new Dictionary<string, string?>
    {
        ["ConnectionStrings__Postgres"] = connectionString,
        ["Urls"] = $"http://127.0.0.1:{FreePort.Next()}",
        ["Digest__PublicUrl"] = "https://digest.example.org/",
        ["Papers__Demo"] = "Never",
        ["Mailer__Relays__0__Host"] = SmtpSink.Host,
        ["Mailer__Relays__0__Port"] = smtpPort.ToString(CultureInfo.InvariantCulture),
        ["Mailer__Relays__0__Connections"] = "16",
        ["Mailer__RelayRetryAfter"] = "00:00:00.500",
        ["Digests__PlanEvery"] = "00:00:01",
        ["Digests__Lease"] = "00:00:05",
        ["Digests__PollInterval"] = "00:00:00.250",
        ["Digests__BatchSize"] = "10",
        ["Digests__Workers"] = "2",
        ["Digests__SendConcurrency"] = "8",
        ["Logging__LogLevel__Digest.Digests.PlanJob"] = "Debug",
    });

    static async Task WaitForAsync(Func<Task<bool>> condition, DigestProcess service, string what)
    {
        var met = await WaitFor.ConditionAsync(async () =>
        {
            try
            {
                return await condition();
            }
            catch (NpgsqlException)
            {
                return false; // the database is restarting
            }
        }, TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(100));
        Assert.That(met, Is.True, $"waited for {what}; the service said:\n{service.Output}");
    }

    static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return (await connection.ExecuteScalarAsync<T>(sql))!;
    }

    static List<string> MessageIds(IEnumerable<SunkMessage> messages) =>
        messages.Select(m => MessageId().Match(m.Message)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();

    [GeneratedRegex(@"^Message-ID:\s*<([^>]+)>", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex MessageId();

    [GeneratedRegex(@"Plan fired for (\S+)")]
    private static partial Regex PlanFirings();
}

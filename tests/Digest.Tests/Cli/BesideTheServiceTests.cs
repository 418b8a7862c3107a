using System.Net;
using Digest.TestSupport;
using Digest.Tests.Digests.Harness;
using Npgsql;

namespace Digest.Tests.Cli;

/// <summary>
/// The verbs an operator runs in a second terminal while ./start.sh runs on the embedded default:
/// they use the running service's PostgreSQL, say so, and leave starting and stopping it to the service.
/// </summary>
public sealed class BesideTheServiceTests
{
    string _dataDir = null!;
    Dictionary<string, string?> _environment = null!;

    [SetUp]
    public void NewDataFolder()
    {
        _dataDir = Path.Combine(Path.GetTempPath(), "digest-tests", "beside-" + Guid.NewGuid().ToString("N")[..12]);
        _environment = new()
        {
            ["Digest__DataDir"] = _dataDir,
            ["ConnectionStrings__Postgres"] = null,
            ["Papers__Demo"] = "Never",
            // The service plans once at its start (nothing yet) and never polls: what is planned
            // and sent after that, the verbs did.
            ["Digests__PlanEvery"] = "01:00:00",
            ["Digests__PollInterval"] = "01:00:00",
        };
    }

    [TearDown]
    public void RemoveFolder()
    {
        if (Directory.Exists(_dataDir))
            Directory.Delete(_dataDir, recursive: true);
    }

    string PidFile => Path.Combine(_dataDir, "pg", "postmaster.pid");

    string SocketConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = Path.Combine(_dataDir, "run"),
        Port = 5432,
        Username = "digest",
        Database = "digest",
    }.ConnectionString;

    [Test]
    public async Task Stats_plan_send_and_preview_use_the_running_services_PostgreSQL_and_say_so_and_the_service_keeps_it()
    {
        var port = FreePort.Next();
        using var service = DigestProcess.Start(["--urls", $"http://127.0.0.1:{port}"], _environment);
        Assert.That(await ReadyAsync(service, port), Is.True, service.Output);
        await SeedAsync();

        var stats = await DigestProcess.RunAsync(["stats"], _environment);
        var preview = await DigestProcess.RunAsync(["preview", "ada@example.org"], _environment);
        var plan = await DigestProcess.RunAsync(["plan"], _environment);
        var send = await DigestProcess.RunAsync(["send"], _environment);

        var joined = $"digest: using the embedded PostgreSQL of the Digest service running on {_dataDir}";
        Assert.That(stats.ExitCode, Is.Zero, stats.Output);
        Assert.That(stats.Output, Does.Contain(joined).And.Match(@"planned\s*│\s*0\b"));
        Assert.That(preview.ExitCode, Is.Zero, preview.Output);
        Assert.That(preview.Output, Does.Contain(joined).And.Contain("Subject: 1 new paper on diffusion"));
        Assert.That(plan.ExitCode, Is.Zero, plan.Output);
        Assert.That(plan.Output, Does.Contain(joined).And.Contain("Planned 1 issue(s) to send"));
        Assert.That(send.ExitCode, Is.Zero, send.Output);
        Assert.That(send.Output, Does.Contain(joined).And.Match(@"│\s*1\s*│\s*0\s*│"), "one sent, none deferred");

        Assert.That(File.Exists(PidFile), Is.True, "a verb beside the service must not stop its PostgreSQL");
        Assert.That(await ReadyAsync(service, port), Is.True, "the service is still ready:\n" + service.Output);
        service.Interrupt();
        Assert.That(await service.WaitForExitAsync(TimeSpan.FromSeconds(60)), Is.Zero, service.Output);
        Assert.That(File.Exists(PidFile), Is.False, "the service, which owns it, stops it");
    }

    [Test]
    public async Task A_verb_with_no_service_running_starts_the_embedded_PostgreSQL_itself_and_stops_it_after()
    {
        var (exitCode, output) = await DigestProcess.RunAsync(["stats"], _environment);

        Assert.That(exitCode, Is.Zero, output);
        Assert.That(output, Does.Contain($"digest: using the embedded PostgreSQL in {_dataDir} (started by this process)"));
        Assert.That(File.Exists(PidFile), Is.False, output);
    }

    [Test]
    public async Task A_verb_with_a_connection_string_names_that_database()
    {
        var environment = new Dictionary<string, string?>(_environment) { ["ConnectionStrings__Postgres"] = await TestPostgres.CreateDatabaseAsync() };

        var (exitCode, output) = await DigestProcess.RunAsync(["stats"], environment);

        Assert.That(exitCode, Is.Zero, output);
        Assert.That(output, Does.Match(@"digest: using database test_\w+ on /\S+:5432 \(ConnectionStrings:Postgres\)"));
        Assert.That(Directory.Exists(Path.Combine(_dataDir, "pg")), Is.False, "no embedded cluster for a configured database");
    }

    async Task SeedAsync()
    {
        var now = DateTimeOffset.UtcNow;
        await using var host = await DigestsHost.StartAsync(now, connectionString: SocketConnectionString);
        await host.AddPaperAsync("2511.00001", "Diffusion Transformers at Scale", "We scale diffusion models.", 12, now.AddHours(-1));
        await host.SubscribeAsync("ada@example.org", ["diffusion"], hour: 0);
    }

    static async Task<bool> ReadyAsync(DigestProcess service, int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        return await WaitFor.ConditionAsync(async () =>
        {
            if (service.HasExited)
                return false;
            try
            {
                return (await http.GetAsync(new Uri($"http://127.0.0.1:{port}/readyz"))).StatusCode == HttpStatusCode.OK;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(250));
    }
}

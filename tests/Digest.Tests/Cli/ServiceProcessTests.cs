using System.Net;
using Digest.TestSupport;

namespace Digest.Tests.Cli;

/// <summary>The executable on its embedded defaults, driven as an operator would: start, Ctrl-C, kill -9.</summary>
public sealed class ServiceProcessTests
{
    string _dataDir = null!;
    int _port;
    Dictionary<string, string?> _environment = null!;

    [SetUp]
    public void NewDataFolder()
    {
        _dataDir = Path.Combine(Path.GetTempPath(), "digest-tests", "service-" + Guid.NewGuid().ToString("N")[..12]);
        _port = FreePort.Next();
        _environment = new()
        {
            ["Digest__DataDir"] = _dataDir,
            ["ConnectionStrings__Postgres"] = null,
        };
    }

    [TearDown]
    public void RemoveFolder()
    {
        if (Directory.Exists(_dataDir))
            Directory.Delete(_dataDir, recursive: true);
    }

    string PidFile => Path.Combine(_dataDir, "pg", "postmaster.pid");

    DigestProcess Start() => DigestProcess.Start(["--urls", $"http://127.0.0.1:{_port}"], _environment);

    async Task<bool> HealthyAsync(DigestProcess service)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        return await WaitFor.ConditionAsync(async () =>
        {
            if (service.HasExited)
                return false;
            try
            {
                var response = await http.GetAsync(new Uri($"http://127.0.0.1:{_port}/healthz"));
                return response.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
            catch (TaskCanceledException)
            {
                // One slow answer (a busy machine) is not yet healthy; the next poll asks again.
                return false;
            }
        }, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200));
    }

    [Test]
    public async Task It_starts_on_embedded_defaults_prints_its_url_and_Ctrl_C_leaves_no_postgres_behind()
    {
        using var service = Start();
        Assert.That(await HealthyAsync(service), Is.True, service.Output);
        Assert.That(service.Output, Does.Contain($"Digest is running at http://127.0.0.1:{_port}"));
        Assert.That(File.Exists(PidFile), Is.True);

        service.Interrupt();

        Assert.That(await service.WaitForExitAsync(TimeSpan.FromSeconds(60)), Is.Zero, service.Output);
        Assert.That(File.Exists(PidFile), Is.False, "PostgreSQL must be stopped on Ctrl-C:\n" + service.Output);
    }

    [Test]
    public async Task A_second_instance_on_the_same_data_folder_fails_with_a_clear_message_and_harms_nothing()
    {
        using var first = Start();
        Assert.That(await HealthyAsync(first), Is.True, first.Output);

        var (exitCode, output) = await DigestProcess.RunAsync(["--urls", $"http://127.0.0.1:{FreePort.Next()}"], _environment);

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(output, Does.Contain("Another Digest process is already using the data folder"));
        Assert.That(output, Does.Not.Contain("   at "), "a clear message, not a stack trace");
        Assert.That(await HealthyAsync(first), Is.True, "the first instance keeps running");
        first.Interrupt();
        await first.WaitForExitAsync(TimeSpan.FromSeconds(60));
    }

    [Test]
    public async Task After_kill_9_the_next_start_takes_over_the_orphaned_server_and_keeps_the_data()
    {
        using (var crashed = Start())
        {
            Assert.That(await HealthyAsync(crashed), Is.True, crashed.Output);
            crashed.KillHard();
            await crashed.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }
        Assert.That(File.Exists(PidFile), Is.True, "kill -9 leaves the detached server running");

        using var restarted = Start();

        Assert.That(await HealthyAsync(restarted), Is.True, restarted.Output);
        restarted.Interrupt();
        Assert.That(await restarted.WaitForExitAsync(TimeSpan.FromSeconds(60)), Is.Zero, restarted.Output);
        Assert.That(File.Exists(PidFile), Is.False);
    }

    [Test]
    public async Task A_mistyped_verb_is_an_error_not_a_server_start()
    {
        var (exitCode, output) = await DigestProcess.RunAsync(["migrat"], _environment);

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(output, Does.Contain("unknown verb 'migrat'").And.Contain("migrate"));
        Assert.That(Directory.Exists(_dataDir), Is.False, "nothing may be created for a command that was refused");
    }

    [Test]
    public async Task The_migrate_verb_brings_an_existing_database_up_to_date_and_exits()
    {
        var environment = new Dictionary<string, string?>(_environment)
        {
            ["ConnectionStrings__Postgres"] = await TestPostgres.CreateEmptyDatabaseAsync(),
        };

        var (exitCode, output) = await DigestProcess.RunAsync(["migrate"], environment);

        Assert.That(exitCode, Is.Zero, output);
        Assert.That(output, Does.Contain("The schema is up to date.").Or.Contain("Applied"));
    }
}

using Digest.Tests.Papers.Harness;
using Digest.TestSupport;

namespace Digest.Tests.Papers;

/// <summary>What ./start.sh shows on a fresh machine: the embedded database, no feed reachable, the demo papers.</summary>
public sealed class FreshMachineTests
{
    string _dataDir = null!;

    [SetUp]
    public void NewDataFolder() =>
        _dataDir = Path.Combine(Path.GetTempPath(), "digest-tests", "fresh-" + Guid.NewGuid().ToString("N")[..12]);

    [TearDown]
    public void RemoveFolder()
    {
        if (Directory.Exists(_dataDir))
            Directory.Delete(_dataDir, recursive: true);
    }

    [Test]
    public async Task With_the_embedded_database_and_no_feed_reachable_the_service_loads_the_demo_papers_and_keeps_them()
    {
        var unreachable = FreePort.Next(); // nothing listens there: the feed "cannot be reached"
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__Postgres"] = null,
            ["Digest__DataDir"] = _dataDir,
            ["Papers__Offline"] = "false",
            ["Papers__HuggingFace__BaseUrl"] = $"http://127.0.0.1:{unreachable}/",
            ["Papers__Arxiv__Enabled"] = "false",
            ["Papers__Http__RetryDelay"] = "00:00:00.010",
        };
        using (var service = DigestProcess.Start(["--urls", $"http://127.0.0.1:{FreePort.Next()}"], environment))
        {
            var loaded = await WaitFor.ConditionAsync(() => Task.FromResult(service.Output.Contains("Ingested demo: 84 fetched, 84 new", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200));

            Assert.That(loaded, Is.True, service.Output);
            Assert.That(service.Output, Does.Contain("No paper feed could be read: loading the shipped demo papers"));
            service.Interrupt();
            Assert.That(await service.WaitForExitAsync(TimeSpan.FromSeconds(60)), Is.Zero, service.Output);
        }

        // Offline now, as a machine without internet would run it: the papers are still there.
        var (exitCode, output) = await DigestProcess.RunAsync(["ingest", "--source", "demo"],
            new Dictionary<string, string?> { ["ConnectionStrings__Postgres"] = null, ["Digest__DataDir"] = _dataDir });

        Assert.That(exitCode, Is.Zero, output);
        Assert.That(Summary.Rows(output)["demo"], Is.EqualTo((84, 0, 0, 0, "ok")), output);
    }
}

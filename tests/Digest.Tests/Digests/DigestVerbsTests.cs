using System.Globalization;
using Digest.TestSupport;
using Digest.Tests.Digests.Harness;

namespace Digest.Tests.Digests;

/// <summary>plan, send, preview and stats as an operator runs them: the real executable against a test database.</summary>
public sealed class DigestVerbsTests
{
    string _connectionString = "";
    SmtpSink _sink = null!;

    [SetUp]
    public async Task SeedAsync()
    {
        _sink = await SmtpSink.StartAsync();
        var now = DateTimeOffset.UtcNow;
        await using var host = await DigestsHost.StartAsync(now);
        await host.AddPaperAsync("2511.00001", "Diffusion Transformers at Scale", "We scale diffusion models.", 12, now.AddHours(-1), ["Ada Lovelace"]);
        await host.AddPaperAsync("2511.00002", "Protein Folding", "Proteins.", 50, now.AddHours(-1));
        await host.SubscribeAsync("ada@example.org", ["diffusion"], hour: 0);
        _connectionString = host.ConnectionString;
    }

    [TearDown]
    public void StopSink() => _sink.Dispose();

    Dictionary<string, string?> Environment() => new()
    {
        ["ConnectionStrings__Postgres"] = _connectionString,
        ["Digest__PublicUrl"] = "https://digest.example.org/",
        ["Papers__Demo"] = "Never",
        ["Mailer__Relays__0__Host"] = SmtpSink.Host,
        ["Mailer__Relays__0__Port"] = _sink.Port.ToString(CultureInfo.InvariantCulture),
    };

    [Test]
    public async Task Preview_writes_the_next_digest_to_a_file_and_plans_nothing()
    {
        var (exitCode, output) = await DigestProcess.RunAsync(["preview", "ADA@example.org"], Environment());

        Assert.That(exitCode, Is.Zero, output);
        Assert.That(output, Does.Contain("Subject: 1 new paper on diffusion"));
        var path = output.Split('\n').Single(l => l.Contains("HTML: ", StringComparison.Ordinal)).Split("HTML: ")[1].Trim();
        Assert.That(await File.ReadAllTextAsync(path), Does.Contain("Diffusion Transformers at Scale").And.Not.Contain("Protein Folding"));

        var (planExit, plan) = await DigestProcess.RunAsync(["plan"], Environment());
        Assert.That(planExit, Is.Zero, plan);
        Assert.That(plan, Does.Contain("Planned 1 issue(s) to send"), "the preview left nothing behind");
    }

    [Test]
    public async Task Send_plans_and_delivers_with_a_summary_and_stats_counts_it()
    {
        var (exitCode, output) = await DigestProcess.RunAsync(["send"], Environment());

        Assert.That(exitCode, Is.Zero, output);
        Assert.That(output, Does.Contain("Planned 1 issue(s) to send"));
        Assert.That((await _sink.WaitForMessagesAsync(1)).Single().RcptTo, Is.EqualTo(new[] { "<ada@example.org>" }));

        var (statsExit, stats) = await DigestProcess.RunAsync(["stats"], Environment());
        Assert.That(statsExit, Is.Zero, stats);
        Assert.That(stats, Does.Match(@"planned\s*│\s*1\b"));
        Assert.That(stats, Does.Match(@"sent\s*│\s*1\b"));

        var (againExit, again) = await DigestProcess.RunAsync(["send"], Environment());
        Assert.That(againExit, Is.Zero, again);
        Assert.That(again, Does.Contain("Planned 0 issue(s)"));
        Assert.That(_sink.Messages(), Has.Count.EqualTo(1));
    }

    [TestCase(new[] { "preview", "nobody@example.org" }, 1, "digest preview: no subscriber has the address 'nobody@example.org'.")]
    [TestCase(new[] { "preview" }, 2, "digest preview: Required argument missing")]
    [TestCase(new[] { "stats", "--day", "yesterday" }, 2, "digest stats: --day 'yesterday' is not a date: write it as YYYY-MM-DD, e.g. 2025-09-08.")]
    [TestCase(new[] { "send", "--now" }, 2, "digest send: Unrecognized argument: '--now'.")]
    public async Task A_wrong_argument_gets_one_clear_line_and_a_non_zero_exit(string[] arguments, int expectedExit, string expected)
    {
        var (exitCode, output) = await DigestProcess.RunAsync(arguments, Environment());

        Assert.That(exitCode, Is.EqualTo(expectedExit), output);
        Assert.That(output, Does.Contain(expected));
    }
}

using Digest.Papers;
using Digest.Tests.Papers.Harness;
using Digest.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace Digest.Tests.Papers;

/// <summary>The hourly ingest as the service schedules it: Quartz's clustered PostgreSQL store, the whole app.</summary>
public sealed class IngestJobTests
{
    [Test]
    public async Task The_job_is_stored_with_its_named_trigger_fires_at_start_and_can_be_fired_again()
    {
        await using var feeds = await FeedServer.StartAsync();
        feeds.On("/api/daily_papers", _ => true, Reply.Json(Fixtures.Read("huggingface/2025-09-08.json")));
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var app = new DigestApp(database, new Dictionary<string, string?>
        {
            ["Papers:Offline"] = "false",
            ["Papers:HuggingFace:BaseUrl"] = feeds.BaseUrl.ToString(),
            ["Papers:Arxiv:Enabled"] = "false",
            ["Papers:IngestEvery"] = "00:30:00",
        });
        var scheduler = app.Services.GetRequiredService<IScheduler>();

        var metadata = await scheduler.GetMetadata();
        Assert.That((metadata.JobStorePersistent, metadata.JobStoreClustered), Is.EqualTo((true, true)));
        var trigger = (ISimpleTrigger)(await scheduler.GetTrigger(IngestJob.TriggerKey))!;
        Assert.That((trigger.JobKey, trigger.RepeatInterval), Is.EqualTo((IngestJob.Key, TimeSpan.FromMinutes(30))));

        await using var host = await PapersHost.StartAsync(connectionString: database);
        Assert.That(await WaitFor.ConditionAsync(async () => (await host.PapersAsync()).Count == 3, TimeSpan.FromSeconds(30)), Is.True,
            "the first firing, at start, ingests the fixture day");

        feeds.On("/api/daily_papers", _ => true, Reply.Json(Fixtures.Read("huggingface/2025-09-08.json").Replace("\"upvotes\": 26", "\"upvotes\": 40", StringComparison.Ordinal)));
        await scheduler.TriggerJob(IngestJob.Key);

        Assert.That(await WaitFor.ConditionAsync(async () => (await host.PaperAsync("2509.01001")).Upvotes == 40, TimeSpan.FromSeconds(30)), Is.True);
        Assert.That(await host.PapersAsync(), Has.Count.EqualTo(3));
    }
}

using Dapper;
using Digest.Tests.Digests.Harness;
using Digest.Tests.Papers.Harness;

namespace Digest.Tests.Digests;

public sealed class PlannerTests
{
    /// <summary>Monday 2025-09-08 09:00 UTC: an hour after an 08:00 UTC subscriber's delivery time.</summary>
    static readonly DateTimeOffset Monday9 = Fixtures.Utc("2025-09-08T09:00:00Z");

    static readonly DateTimeOffset SundayEvening = Fixtures.Utc("2025-09-07T20:00:00Z");

    [Test]
    public async Task A_subscriber_gets_the_seed_papers_matching_any_topic_ranked_by_upvotes_then_text_rank()
    {
        await using var host = await DigestsHost.StartAsync(Monday9);
        var papers = await host.AddDemoPapersAsync(SundayEvening);
        var ada = await host.SubscribeAsync("ada@example.org", ["\"preference optimization\"", "diffusion"]);

        var report = await host.Planner.PlanAsync();

        var issue = (await host.IssuesAsync(ada)).Single();
        var expected = await NaiveRankingAsync(host, ada, SundayEvening.AddDays(-1));
        Assert.Multiple(() =>
        {
            Assert.That(report, Has.Property(nameof(report.Due)).EqualTo(1).And.Property(nameof(report.Queued)).EqualTo(1));
            Assert.That(issue.State, Is.EqualTo("queued"));
            Assert.That(issue.Period, Is.EqualTo(new DateOnly(2025, 9, 8)));
            Assert.That(issue.PaperIds, Is.EqualTo(expected), "the set-based plan agrees with evaluating this subscriber alone");
            // By hand (the seed's titles and abstracts): 13 papers mention diffusion or the phrase;
            // Magpie has the most upvotes (5, the phrase is in its abstract), then the three with 2,
            // then the two with 1, then those with none.
            Assert.That(issue.PaperIds, Has.Count.EqualTo(13));
            Assert.That(issue.PaperIds[0], Is.EqualTo(papers["Magpie: Alignment Data Synthesis from Scratch by Prompting Aligned LLMs with Nothing"]));
            Assert.That(issue.PaperIds.Skip(1).Take(3), Is.EquivalentTo(new[]
            {
                papers["Dual Caption Preference Optimization for Diffusion Models"],
                papers["Lumina-mGPT: Illuminate Flexible Photorealistic Text-to-Image Generation with Multimodal Generative Pretraining"],
                papers["Technical Report of TeleChat2, TeleChat2.5 and T1"],
            }));
            Assert.That(issue.PaperIds.Skip(4).Take(2), Is.EquivalentTo(new[]
            {
                papers["Carve3D: Improving Multi-view Reconstruction Consistency for Diffusion Models with RL Finetuning"],
                papers["Self-Exploring Language Models: Active Preference Elicitation for Online Alignment"],
            }));
            Assert.That(issue.PaperIds, Does.Contain(papers["Statistical Rejection Sampling Improves Preference Optimization"]));
            Assert.That(issue.PaperIds, Does.Not.Contain(papers["Teaching Arithmetic to Small Transformers"]));
        });
    }

    [Test]
    public async Task Each_paper_carries_the_topics_it_matched_in_the_order_the_subscriber_wrote_them()
    {
        await using var host = await DigestsHost.StartAsync(Monday9);
        var papers = await host.AddDemoPapersAsync(SundayEvening);
        var ada = await host.SubscribeAsync("ada@example.org", ["diffusion", "\"preference optimization\"", "arithmetic"]);

        await host.Planner.PlanAsync();

        var issue = (await host.IssuesAsync(ada)).Single();
        var byId = issue.PaperIds.Zip(issue.PaperTopics).ToDictionary(p => p.First, p => p.Second);
        Assert.Multiple(() =>
        {
            Assert.That(byId[papers["Dual Caption Preference Optimization for Diffusion Models"]], Is.EqualTo(new[] { "diffusion", "\"preference optimization\"" }));
            Assert.That(byId[papers["Teaching Arithmetic to Small Transformers"]], Is.EqualTo(new[] { "arithmetic" }));
        });
    }

    [Test]
    public async Task The_cap_keeps_the_best_ranked_papers()
    {
        await using var host = await DigestsHost.StartAsync(Monday9, settings: new Dictionary<string, string?> { ["Digests:MaxPapers"] = "3" });
        await host.AddDemoPapersAsync(SundayEvening);
        var ada = await host.SubscribeAsync("ada@example.org", ["fine-tuning"]);

        await host.Planner.PlanAsync();

        var issue = (await host.IssuesAsync(ada)).Single();
        Assert.That(issue.PaperIds, Is.EqualTo((await NaiveRankingAsync(host, ada, SundayEvening.AddDays(-1))).Take(3)));
    }

    [Test]
    public async Task A_second_plan_in_the_same_period_creates_nothing()
    {
        await using var host = await DigestsHost.StartAsync(Monday9);
        await host.AddDemoPapersAsync(SundayEvening);
        var ada = await host.SubscribeAsync("ada@example.org", ["diffusion"]);
        await host.Planner.PlanAsync();

        host.Clock.Advance(TimeSpan.FromHours(10));
        var again = await host.Planner.PlanAsync();

        Assert.That(again.Due, Is.Zero);
        Assert.That(await host.IssuesAsync(ada), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task The_next_days_issue_lists_only_papers_first_seen_since_and_never_repeats_one()
    {
        await using var host = await DigestsHost.StartAsync(Monday9);
        await host.AddDemoPapersAsync(SundayEvening);
        var ada = await host.SubscribeAsync("ada@example.org", ["diffusion"]);
        await host.Planner.PlanAsync();

        // Monday afternoon: two new diffusion papers, one of them an older paper seen for the first
        // time (a missed day filled in); the demo papers are ingested again (upvotes only).
        await host.AddPaperAsync("2509.00001", "Diffusion Transformers at Scale", "We scale diffusion models.", 40, Monday9.AddHours(5));
        await host.AddPaperAsync("2509.00002", "Consistency Distillation for Diffusion", "A diffusion sampler.", 3, Monday9.AddHours(6));
        await host.AddPaperAsync("2509.00003", "Protein Folding", "Nothing about the topic.", 99, Monday9.AddHours(6));
        host.Clock.Advance(TimeSpan.FromDays(1));
        await host.Planner.PlanAsync();

        var issues = await host.IssuesAsync(ada);
        Assert.That(issues, Has.Count.EqualTo(2));
        Assert.That(issues[1].Period, Is.EqualTo(new DateOnly(2025, 9, 9)));
        Assert.That(issues[1].PaperIds, Is.EqualTo(new[] { "2509.00001", "2509.00002" }));
        Assert.That(issues[0].PaperIds.Intersect(issues[1].PaperIds), Is.Empty);
    }

    [Test]
    public async Task A_period_with_nothing_new_is_recorded_as_empty()
    {
        await using var host = await DigestsHost.StartAsync(Monday9);
        await host.AddDemoPapersAsync(SundayEvening);
        var ada = await host.SubscribeAsync("ada@example.org", ["\"quantum chromodynamics\""]);

        var report = await host.Planner.PlanAsync();

        Assert.That(report.Empty, Is.EqualTo(1));
        Assert.That(report.Queued, Is.Zero);
        Assert.That((await host.IssuesAsync(ada)).Single(), Has.Property(nameof(IssueRow.State)).EqualTo("empty").And.Property(nameof(IssueRow.PaperIds)).Empty);
    }

    [Test]
    public async Task Nobody_is_planned_before_their_delivery_hour_and_a_new_subscriber_waits_for_their_first_one()
    {
        await using var host = await DigestsHost.StartAsync(Monday9);
        await host.AddDemoPapersAsync(SundayEvening);
        // Confirmed on Sunday after 10:00: Sunday's 10:00 issue was never theirs.
        var late = await host.SubscribeAsync("late@example.org", ["diffusion"], hour: 10, confirmedAt: Monday9.AddHours(-20));
        var fresh = await host.SubscribeAsync("fresh@example.org", ["diffusion"], hour: 8, confirmedAt: Monday9.AddMinutes(-30));

        await host.Planner.PlanAsync();
        Assert.That(await host.IssuesAsync(late), Is.Empty);
        Assert.That(await host.IssuesAsync(fresh), Is.Empty);

        host.Clock.Advance(TimeSpan.FromHours(1));
        await host.Planner.PlanAsync();
        Assert.That(await host.IssuesAsync(late), Has.Count.EqualTo(1));
        Assert.That(await host.IssuesAsync(fresh), Is.Empty);

        host.Clock.Advance(TimeSpan.FromDays(1));
        await host.Planner.PlanAsync();
        Assert.That(await host.IssuesAsync(fresh), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Subscribers_in_UTC_plus_13_and_UTC_minus_10_get_their_own_local_days()
    {
        // 2025-09-08 19:00 UTC is 08:00 on Tuesday the 9th in Tonga (UTC+13) and 09:00 on Monday
        // the 8th in Honolulu (UTC-10): both are due, each for their own local date.
        var at = Fixtures.Utc("2025-09-08T18:30:00Z");
        await using var host = await DigestsHost.StartAsync(at);
        await host.AddDemoPapersAsync(SundayEvening);
        var tonga = await host.SubscribeAsync("tonga@example.org", ["diffusion"], timeZone: "Pacific/Tongatapu", hour: 8);
        var honolulu = await host.SubscribeAsync("honolulu@example.org", ["diffusion"], timeZone: "Pacific/Honolulu", hour: 8);
        await host.Planner.PlanAsync();
        var tongaBefore = await host.IssuesAsync(tonga);

        host.Clock.Set(Fixtures.Utc("2025-09-08T19:00:00Z"));
        await host.Planner.PlanAsync();

        Assert.Multiple(async () =>
        {
            // At 18:30 UTC it was 07:30 in Tonga: Monday's issue (due since Sunday 19:00 UTC), not yet Tuesday's.
            Assert.That(tongaBefore.Select(i => i.Period), Is.EqualTo(new[] { new DateOnly(2025, 9, 8) }));
            Assert.That((await host.IssuesAsync(tonga)).Select(i => i.Period), Is.EqualTo(new[] { new DateOnly(2025, 9, 8), new DateOnly(2025, 9, 9) }));
            Assert.That((await host.IssuesAsync(honolulu)).Select(i => i.Period), Is.EqualTo(new[] { new DateOnly(2025, 9, 8) }));
        });
    }

    [Test]
    public async Task A_weekly_subscriber_gets_one_issue_a_week_covering_the_week()
    {
        await using var host = await DigestsHost.StartAsync(Monday9);
        await host.AddPaperAsync("2509.10001", "Diffusion one", "diffusion", 1, Monday9.AddDays(-6));
        await host.AddPaperAsync("2509.10002", "Diffusion two", "diffusion", 2, Monday9.AddDays(-8));
        var ada = await host.SubscribeAsync("ada@example.org", ["diffusion"], weekly: DayOfWeek.Monday, hour: 8);

        await host.Planner.PlanAsync();
        host.Clock.Advance(TimeSpan.FromDays(1));
        await host.Planner.PlanAsync();
        await host.AddPaperAsync("2509.10003", "Diffusion three", "diffusion", 3, Monday9.AddDays(2));
        host.Clock.Advance(TimeSpan.FromDays(6));
        await host.Planner.PlanAsync();

        var issues = await host.IssuesAsync(ada);
        Assert.That(issues.Select(i => i.Period), Is.EqualTo(new[] { new DateOnly(2025, 9, 8), new DateOnly(2025, 9, 15) }));
        Assert.That(issues[0].PaperIds, Is.EqualTo(new[] { "2509.10001" }), "the first issue reaches back one week");
        Assert.That(issues[1].PaperIds, Is.EqualTo(new[] { "2509.10003" }));
    }

    [Test]
    public async Task Paused_unsubscribed_and_suppressed_subscribers_are_not_planned()
    {
        await using var host = await DigestsHost.StartAsync(Monday9);
        await host.AddDemoPapersAsync(SundayEvening);
        var ids = new List<long>();
        foreach (var status in new[] { "paused", "unsubscribed", "suppressed", "pending" })
            ids.Add(await host.SubscribeAsync($"{status}@example.org", ["diffusion"], status: status));

        var report = await host.Planner.PlanAsync();

        Assert.That(report.Due, Is.Zero);
        foreach (var id in ids)
            Assert.That(await host.IssuesAsync(id), Is.Empty);
    }

    [Test]
    public async Task A_time_zone_PostgreSQL_does_not_know_counts_as_UTC_instead_of_failing_the_run()
    {
        await using var host = await DigestsHost.StartAsync(Monday9);
        await host.AddDemoPapersAsync(SundayEvening);
        var odd = await host.SubscribeAsync("odd@example.org", ["diffusion"], timeZone: "Mars/Olympus_Mons");
        var ada = await host.SubscribeAsync("ada@example.org", ["diffusion"]);

        await host.Planner.PlanAsync();

        Assert.That((await host.IssuesAsync(odd)).Single().Period, Is.EqualTo(new DateOnly(2025, 9, 8)));
        Assert.That(await host.IssuesAsync(ada), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Each_distinct_topic_is_matched_once_however_many_subscribers_share_it()
    {
        await using var host = await DigestsHost.StartAsync(Monday9, settings: new Dictionary<string, string?> { ["Digests:PlanChunk"] = "100" });
        await host.AddDemoPapersAsync(SundayEvening);
        for (var i = 0; i < 250; i++)
            await host.SubscribeAsync($"reader{i}@example.org", i % 2 == 0 ? ["diffusion", "arithmetic"] : ["diffusion"]);

        var report = await host.Planner.PlanAsync();

        Assert.That(report.Due, Is.EqualTo(250));
        Assert.That(report.Queued, Is.EqualTo(250), "written in three chunks of at most 100");
        Assert.That(report.Topics, Is.EqualTo(2));
        Assert.That(await host.ScalarAsync<long>("SELECT count(DISTINCT issue_papers(i)) FROM digest_issues i"), Is.EqualTo(2));
    }

    [Test]
    public async Task Two_planners_at_once_make_one_issue_per_subscriber()
    {
        await using var one = await DigestsHost.StartAsync(Monday9);
        await using var two = await DigestsHost.StartAsync(Monday9, connectionString: one.ConnectionString);
        await one.AddDemoPapersAsync(SundayEvening);
        for (var i = 0; i < 50; i++)
            await one.SubscribeAsync($"reader{i}@example.org", ["diffusion"]);

        var reports = await Task.WhenAll(one.Planner.PlanAsync(), two.Planner.PlanAsync());

        Assert.That(reports.Sum(r => r.Queued), Is.EqualTo(50));
        Assert.That(await one.ScalarAsync<long>("SELECT count(*) FROM digest_issues"), Is.EqualTo(50));
    }

    [Test]
    public async Task A_preview_waits_for_a_plan_run_under_way_and_leaves_no_issue_behind()
    {
        await using var host = await DigestsHost.StartAsync(Monday9);
        await host.AddDemoPapersAsync(SundayEvening);
        await host.SubscribeAsync("ada@example.org", ["diffusion"]);
        // A plan run holds the planners' turn: it copies its issues without a conflict clause, so a
        // preview writing the same subscriber's issue meanwhile must not be running.
        await using var planRun = await host.DataSource.OpenConnectionAsync();
        await planRun.ExecuteAsync("SELECT pg_advisory_lock(@Key)", new { Key = Digest.Digests.DigestPlanner.PlanLock });

        var preview = host.Planner.PreviewAsync("ada@example.org");
        var finishedWhileHeld = await Task.WhenAny(preview, Task.Delay(TimeSpan.FromSeconds(1))) == preview;
        await planRun.ExecuteAsync("SELECT pg_advisory_unlock(@Key)", new { Key = Digest.Digests.DigestPlanner.PlanLock });
        var content = await preview;

        Assert.That(finishedWhileHeld, Is.False, "the preview ran while a plan run held the turn");
        Assert.That(content!.Papers, Is.Not.Empty);
        Assert.That(await host.ScalarAsync<long>("SELECT count(*) FROM digest_issues"), Is.Zero, "a preview rolls its issue back");
    }

    /// <summary>
    /// The oracle: this one subscriber's topics evaluated directly against every paper seen in the
    /// window (no shared topics, no temporary tables), ranked the way the design says.
    /// </summary>
    static async Task<List<string>> NaiveRankingAsync(DigestsHost host, long subscriberId, DateTimeOffset windowStart)
    {
        const string Sql = """
            SELECT p.id
            FROM papers p
            JOIN subscriber_topics st ON st.subscriber_id = @subscriberId
            JOIN topics t ON t.id = st.topic_id
            WHERE p.first_seen_at > @windowStart AND p.search @@ websearch_to_tsquery('english', t.query)
            GROUP BY p.id
            ORDER BY max(p.upvotes) DESC, max(ts_rank(p.search, websearch_to_tsquery('english', t.query))) DESC, p.id
            LIMIT 15
            """;
        await using var connection = await host.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<string>(Sql, new { subscriberId, windowStart = windowStart.UtcDateTime })).AsList();
    }
}

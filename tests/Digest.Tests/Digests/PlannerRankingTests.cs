using Dapper;
using Digest.Tests.Digests.Harness;
using Digest.Tests.Papers.Harness;

namespace Digest.Tests.Digests;

/// <summary>
/// The planner ranks in its own process; these tests hold it to the ranking PostgreSQL did before,
/// kept here as the oracle, on thousands of generated subscribers.
/// </summary>
public sealed class PlannerRankingTests
{
    static readonly DateTimeOffset Monday9 = Fixtures.Utc("2025-09-08T09:00:00Z");

    static readonly string[] Queries =
    [
        "diffusion", "\"preference optimization\"", "alignment", "reinforcement learning", "language models", "transformer",
        "reasoning or math", "image -diffusion", "vision", "rlhf", "agents", "benchmark", "code", "multimodal", "video",
        "speech", "robot", "retrieval", "\"mixture of experts\"", "attention", "safety", "reward", "instruction tuning",
        "data synthesis", "arithmetic", "scaling", "distillation", "sampling", "evaluation", "fine-tuning", "long context",
        "chain of thought", "hallucination", "generation", "training", "dataset", "llm or llms", "policy", "human feedback",
        "\"quantum chromodynamics\"",
    ];

    static readonly string[] Zones = ["UTC", "Europe/Berlin", "Asia/Tokyo", "Pacific/Tongatapu", "America/New_York", "Pacific/Honolulu"];

    [TestCase(3)]
    [TestCase(15)]
    public async Task Ranking_in_process_equals_the_former_SQL_ranking_on_thousands_of_random_subscribers(int maxPapers)
    {
        await using var host = await DigestsHost.StartAsync(Monday9, settings: new Dictionary<string, string?>
        {
            ["Digests:MaxPapers"] = maxPapers.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Digests:PlanChunk"] = "700",
        });
        await host.AddDemoPapersAsync(Monday9);
        var random = new Random(13);
        await GenerateAsync(host, random, subscribers: 3_000);

        var report = await host.Planner.PlanAsync();

        await using var connection = await host.DataSource.OpenConnectionAsync();
        var (issues, differing, windows, capped, labelled) = await connection.QuerySingleAsync<(int, int, int, int, int)>(OracleSql, new { MaxPapers = maxPapers });
        Assert.Multiple(() =>
        {
            Assert.That(report.Due, Is.GreaterThan(2_000), "most subscribers are due");
            Assert.That(issues, Is.EqualTo(report.Queued + report.Empty));
            Assert.That(differing, Is.Zero, "issues whose papers (order, topics) differ from the former SQL ranking");
            // The data exercises what could differ: several windows, the cap, papers matched by two topics.
            Assert.That(windows, Is.GreaterThan(5));
            Assert.That(capped, Is.GreaterThan(100));
            Assert.That(labelled, Is.GreaterThan(100));
        });
    }

    /// <summary>Papers first seen over the last two days, topics with and without an upvote floor, subscribers with 0–10 of them.</summary>
    static async Task GenerateAsync(DigestsHost host, Random random, int subscribers)
    {
        await using var connection = await host.DataSource.OpenConnectionAsync();
        // Spread out, and many upvote ties, so windows and the tie-breaks matter.
        await connection.ExecuteAsync("""
            UPDATE papers SET first_seen_at = @Now - (abs(hashtext(id)) % 48) * interval '1 hour',
                              upvotes = CASE WHEN abs(hashtext(title)) % 3 = 0 THEN upvotes ELSE abs(hashtext(id)) % 4 END
            """, new { Now = Monday9.UtcDateTime });
        var floors = Queries.Select(_ => random.Next(4) == 0 ? random.Next(1, 4) : 0).ToArray();
        var topicIds = (await connection.QueryAsync<long>("""
            INSERT INTO topics (query, min_upvotes, created_at, last_chosen_at)
            SELECT q, m, @Now, @Now FROM unnest(@Queries, @Floors) WITH ORDINALITY AS t(q, m, n) ORDER BY n
            RETURNING id
            """, new { Queries, Floors = floors, Now = Monday9.UtcDateTime })).ToArray();

        var emails = new List<string>();
        var zones = new List<string>();
        var hours = new List<short>();
        var chosen = new List<(int Subscriber, long Topic, short Position)>();
        for (var s = 0; s < subscribers; s++)
        {
            emails.Add($"reader{s}@example.org");
            zones.Add(Zones[random.Next(Zones.Length)]);
            hours.Add((short)random.Next(24));
            var count = random.Next(20) == 0 ? 0 : random.Next(1, 11);
            foreach (var (topic, position) in topicIds.OrderBy(_ => random.Next()).Take(count).Select((t, i) => (t, (short)i)))
                chosen.Add((s, topic, position));
        }
        await connection.ExecuteAsync("""
            WITH s AS (
                INSERT INTO subscribers (email, status, frequency, delivery_hour, time_zone, created_at, updated_at, confirmed_at)
                SELECT e, 'active', 'daily', h, z, @Then, @Then, @Then FROM unnest(@Emails, @Hours, @Zones) AS u(e, h, z)
                RETURNING id, email)
            INSERT INTO subscriber_topics (subscriber_id, topic_id, position)
            SELECT s.id, c.topic, c.position
            FROM unnest(@Subscribers, @Topics, @Positions) AS c(subscriber, topic, position)
            JOIN s ON s.email = 'reader' || c.subscriber || '@example.org'
            """, new
        {
            Emails = emails.ToArray(),
            Hours = hours.ToArray(),
            Zones = zones.ToArray(),
            Then = Monday9.UtcDateTime.AddDays(-30),
            Subscribers = chosen.Select(c => c.Subscriber).ToArray(),
            Topics = chosen.Select(c => c.Topic).ToArray(),
            Positions = chosen.Select(c => c.Position).ToArray(),
        });
    }

    // The oracle: the planner's former ranking, all in SQL (a lateral join per subscriber over
    // every topic's matches, jsonb built per row), evaluated on each written issue's own window.
    const string OracleSql = """
        WITH hits AS MATERIALIZED (
            SELECT t.id AS topic_id, p.id AS paper_id, p.first_seen_at, p.upvotes,
                   ts_rank(p.search, t.search_query) AS rank,
                   t.query
                     || coalesce(CASE WHEN strpos(t.author, ' ') > 0 THEN ' author:"' || t.author || '"' ELSE ' author:' || t.author END, '')
                     || coalesce(' category:' || t.category, '')
                     || CASE WHEN t.min_upvotes > 0 THEN ' upvotes:' || t.min_upvotes ELSE '' END AS label
            FROM topics t
            JOIN papers p ON paper_matches_topic(p, t.search_query, t.author, t.category, t.min_upvotes)),
        oracle AS (
            SELECT i.id, issue_papers(i) AS papers, i.window_start, coalesce(x.papers, '[]'::jsonb) AS expected
            FROM digest_issues i
            LEFT JOIN LATERAL (
                SELECT jsonb_agg(jsonb_build_object('id', r.paper_id, 'topics', labels.topics) ORDER BY r.upvotes DESC, r.rank DESC, r.paper_id) AS papers
                FROM (
                    SELECT c.paper_id, max(c.upvotes) AS upvotes, max(c.rank) AS rank
                    FROM subscriber_topics st
                    CROSS JOIN LATERAL (
                        SELECT h.paper_id, h.upvotes, h.rank FROM hits h
                        WHERE h.topic_id = st.topic_id AND h.first_seen_at > i.window_start AND h.first_seen_at <= i.window_end
                        ORDER BY h.upvotes DESC, h.rank DESC, h.paper_id
                        LIMIT @MaxPapers) c
                    WHERE st.subscriber_id = i.subscriber_id
                    GROUP BY c.paper_id
                    ORDER BY max(c.upvotes) DESC, max(c.rank) DESC, c.paper_id
                    LIMIT @MaxPapers) r
                CROSS JOIN LATERAL (
                    SELECT array_agg(h.label ORDER BY st.position) AS topics
                    FROM subscriber_topics st
                    JOIN hits h ON h.topic_id = st.topic_id AND h.paper_id = r.paper_id
                    WHERE st.subscriber_id = i.subscriber_id) labels
            ) x ON true)
        SELECT count(*)::int,
               count(*) FILTER (WHERE papers <> expected)::int,
               count(DISTINCT window_start)::int,
               count(*) FILTER (WHERE jsonb_array_length(papers) = @MaxPapers)::int,
               count(*) FILTER (WHERE jsonb_path_exists(papers, '$[*] ? (@.topics.size() > 1)'))::int
        FROM oracle
        """;
}

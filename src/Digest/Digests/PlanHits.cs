using System.Buffers;
using System.Text;
using Dapper;
using Npgsql;

namespace Digest.Digests;

/// <summary>
/// This run's topic–paper matches (plan_hits), loaded once: each topic's hits in rank order
/// (upvotes, then text rank, then paper id as PostgreSQL orders them). Ranking a subscriber is
/// then merging at most ten short lists in this process — microseconds, where the same merge as a
/// lateral join per subscriber cost PostgreSQL ~0.5 ms.
/// </summary>
internal sealed class PlanHits
{
    readonly string[] _paperIds;
    readonly Dictionary<long, Topic> _topics;

    PlanHits(string[] paperIds, Dictionary<long, Topic> topics)
    {
        _paperIds = paperIds;
        _topics = topics;
    }

    /// <summary>Reads plan_hits (a temporary table of <paramref name="connection"/>'s session).</summary>
    public static async Task<PlanHits> LoadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        // Papers numbered in PostgreSQL's order of their ids, so that ties break here exactly as
        // "ORDER BY paper_id" does under the database's collation.
        const string PapersSql = "SELECT paper_id FROM plan_hits GROUP BY paper_id ORDER BY paper_id";
        const string TopicsSql = "SELECT DISTINCT ON (topic_id) topic_id AS Id, label AS Label FROM plan_hits ORDER BY topic_id";
        const string HitsSql = """
            WITH numbered AS (SELECT paper_id, (row_number() OVER (ORDER BY paper_id))::int - 1 AS ordinal FROM (SELECT DISTINCT paper_id FROM plan_hits) p)
            SELECT h.topic_id, n.ordinal, h.upvotes, h.rank, h.first_seen_at
            FROM plan_hits h JOIN numbered n USING (paper_id)
            ORDER BY h.topic_id, h.upvotes DESC, h.rank DESC, n.ordinal
            """;
        var paperIds = (await connection.QueryAsync<string>(new CommandDefinition(PapersSql, cancellationToken: cancellationToken))).ToArray();
        var labels = (await connection.QueryAsync<(long Id, string Label)>(new CommandDefinition(TopicsSql, cancellationToken: cancellationToken)))
            .ToDictionary(t => t.Id, t => t.Label);

        var topics = new Dictionary<long, Topic>(labels.Count);
        var hits = new List<Hit>();
        long current = 0;
        await using (var command = new NpgsqlCommand(HitsSql, connection))
        await using (var rows = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await rows.ReadAsync(cancellationToken))
            {
                var topic = rows.GetInt64(0);
                if (topic != current && hits.Count > 0)
                {
                    topics[current] = Topic.Of(labels[current], hits);
                    hits.Clear();
                }
                current = topic;
                hits.Add(new Hit(rows.GetInt32(1), rows.GetInt32(2), rows.GetFloat(3), rows.GetDateTime(4)));
            }
        }
        if (hits.Count > 0)
            topics[current] = Topic.Of(labels[current], hits);
        return new PlanHits(paperIds, topics);
    }

    /// <summary>
    /// The subscriber's issue (digest_issues.paper_ids and paper_topics, see migration 0068): their
    /// best <paramref name="maxPapers"/> papers first seen after <paramref name="windowStart"/> that
    /// match any of <paramref name="topicIds"/>, added to <paramref name="paperIds"/> in rank order,
    /// and beside each in <paramref name="paperTopics"/> every one of those topics it matched (in
    /// the subscriber's order), one a line.
    /// </summary>
    /// <returns>How many papers were added: 0 for an empty issue.</returns>
    public int Rank(ReadOnlySpan<long> topicIds, DateTime windowStart, int maxPapers, List<string> paperIds, List<string> paperTopics)
    {
        // A paper in the subscriber's top N is in the top N of the topic that ranks it best (same
        // upvotes, same rank), so each topic offers at most N candidates: a popular topic matching
        // hundreds of papers costs N, not hundreds. A paper's rank is its best over those offers.
        var candidates = ArrayPool<Hit>.Shared.Rent(Math.Max(1, topicIds.Length * maxPapers));
        try
        {
            var found = 0;
            foreach (var topicId in topicIds)
            {
                if (!_topics.TryGetValue(topicId, out var topic))
                    continue;
                var offered = 0;
                foreach (var hit in topic.Hits)
                {
                    if (offered == maxPapers)
                        break;
                    if (hit.FirstSeenAt <= windowStart)
                        continue;
                    offered++;
                    var at = IndexOf(candidates.AsSpan(0, found), hit.Paper);
                    if (at < 0)
                        candidates[found++] = hit;
                    else if (hit.Rank > candidates[at].Rank)
                        candidates[at] = hit;
                }
            }

            var ranked = candidates.AsSpan(0, found);
            ranked.Sort(static (a, b) =>
                a.Upvotes != b.Upvotes ? b.Upvotes.CompareTo(a.Upvotes)
                : a.Rank != b.Rank ? b.Rank.CompareTo(a.Rank)
                : a.Paper.CompareTo(b.Paper));
            ranked = ranked[..Math.Min(found, maxPapers)];

            foreach (var paper in ranked)
            {
                paperIds.Add(_paperIds[paper.Paper]);
                paperTopics.Add(MatchedLabels(topicIds, paper.Paper));
            }
            return ranked.Length;
        }
        finally
        {
            ArrayPool<Hit>.Shared.Return(candidates);
        }
    }

    /// <summary>Every topic of theirs the paper matched, not only those it ranked high in, one a line.</summary>
    string MatchedLabels(ReadOnlySpan<long> topicIds, int paper)
    {
        // Most papers match one of a subscriber's topics: that topic's own label, not a new string.
        string? first = null;
        StringBuilder? more = null;
        foreach (var topicId in topicIds)
        {
            if (!_topics.TryGetValue(topicId, out var topic) || !topic.Matches(paper))
                continue;
            if (first is null)
                first = topic.Label;
            else
                (more ??= new StringBuilder(first)).Append(IssueReader.TopicSeparator).Append(topic.Label);
        }
        return more?.ToString() ?? first ?? "";
    }

    static int IndexOf(ReadOnlySpan<Hit> hits, int paper)
    {
        for (var i = 0; i < hits.Length; i++)
        {
            if (hits[i].Paper == paper)
                return i;
        }
        return -1;
    }

    /// <param name="Paper">The paper's number in PostgreSQL's order of paper ids.</param>
    readonly record struct Hit(int Paper, int Upvotes, float Rank, DateTime FirstSeenAt);

    /// <param name="Hits">In rank order.</param>
    /// <param name="Papers">The same papers' numbers in ascending order, to look one up.</param>
    sealed record Topic(string Label, Hit[] Hits, int[] Papers)
    {
        public static Topic Of(string label, List<Hit> hits)
        {
            var papers = hits.Select(h => h.Paper).ToArray();
            Array.Sort(papers);
            return new Topic(label, hits.ToArray(), papers);
        }

        public bool Matches(int paper) => Array.BinarySearch(Papers, paper) >= 0;
    }
}

using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dapper;
using Digest.Subscriptions.Filters;
using Digest.Subscriptions.Links;
using Digest.Subscriptions.Site;
using Npgsql;

namespace Digest.Digests;

/// <summary>
/// Reads digest issues as <see cref="DigestContent"/>: the issue's papers in its order (a paper
/// gone from papers is left out), the subscriber's current topics and links. A batch costs three
/// queries however many issues it holds (issues with their subscribers, the papers' row versions,
/// topics), and a fourth when some of its papers are new to the reader or changed.
/// </summary>
public sealed partial class IssueReader(NpgsqlDataSource dataSource, SubscriptionLinks links, ReturnPaths returnPaths, PublicSite site)
{
    /// <summary>Papers kept between batches (a day has a few hundred new ones); all go when full.</summary>
    const int PaperCapacity = 4_096;

    readonly ConcurrentDictionary<string, PaperRow> _papers = new(StringComparer.Ordinal);

    /// <returns>Null when there is no such issue (or its subscriber was deleted, which deletes it).</returns>
    public async Task<DigestContent?> ReadAsync(long issueId, CancellationToken cancellationToken = default) =>
        (await ReadManyAsync([issueId], cancellationToken)).GetValueOrDefault(issueId);

    /// <returns>The issues that exist, by id.</returns>
    public async Task<IReadOnlyDictionary<long, DigestContent>> ReadManyAsync(IReadOnlyList<long> issueIds, CancellationToken cancellationToken = default)
    {
        if (issueIds.Count == 0)
            return new Dictionary<long, DigestContent>();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await ReadManyAsync(connection, issueIds, cancellationToken);
    }

    /// <summary>On the caller's connection, inside its transaction if it has one (the preview reads an issue it will roll back).</summary>
    public async Task<IReadOnlyDictionary<long, DigestContent>> ReadManyAsync(NpgsqlConnection connection, IReadOnlyList<long> issueIds, CancellationToken cancellationToken = default)
    {
        const string IssuesSql = """
            SELECT i.id AS Id, i.subscriber_id AS SubscriberId, i.period AS Period,
                   i.paper_ids AS PaperIds, i.paper_topics AS PaperTopics, i.papers::text AS Papers,
                   s.frequency AS Frequency, s.link_generation AS LinkGeneration
            FROM digest_issues i
            JOIN subscribers s ON s.id = i.subscriber_id
            WHERE i.id = ANY (@issueIds)
            """;
        const string TopicsSql = """
            SELECT st.subscriber_id AS SubscriberId, t.query AS Query, t.author AS Author, t.category AS Category, t.min_upvotes AS MinUpvotes
            FROM subscriber_topics st
            JOIN topics t ON t.id = st.topic_id
            WHERE st.subscriber_id = ANY (@subscriberIds)
            ORDER BY st.subscriber_id, st.position
            """;

        var result = new Dictionary<long, DigestContent>();
        if (issueIds.Count == 0)
            return result;
        var issues = (await connection.QueryAsync<IssueRow>(new CommandDefinition(
            IssuesSql, new { issueIds = issueIds.Distinct().ToArray() }, cancellationToken: cancellationToken))).AsList();
        if (issues.Count == 0)
            return result;

        var topicLists = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var listed = issues.ToDictionary(i => i.Id, i => i.Listed(topicLists));
        var paperIds = listed.Values.SelectMany(l => l).Select(p => p.Id).Distinct(StringComparer.Ordinal).ToArray();
        var papers = await PapersAsync(connection, paperIds, cancellationToken);
        var topics = (await connection.QueryAsync<TopicRow>(new CommandDefinition(
            TopicsSql, new { subscriberIds = issues.Select(i => i.SubscriberId).Distinct().ToArray() }, cancellationToken: cancellationToken)))
            .ToLookup(t => t.SubscriberId, t => new TopicFilter(t.Query, t.Author, t.Category, t.MinUpvotes).ToString());

        foreach (var issue in issues)
        {
            var subscriberLinks = await links.ForSubscriberAsync(issue.SubscriberId, issue.LinkGeneration, cancellationToken);
            result[issue.Id] = new DigestContent(
                issue.Period,
                issue.Frequency == "weekly" ? Frequency.Weekly : Frequency.Daily,
                listed[issue.Id]
                    .Where(l => papers.ContainsKey(l.Id))
                    .Select(l => papers[l.Id].ToIssuePaper(l.Topics ?? []))
                    .ToList(),
                topics[issue.SubscriberId].ToList(),
                subscriberLinks.Manage,
                subscriberLinks.Unsubscribe,
                await links.ViewIssueUrlAsync(issue.Id, issue.LinkGeneration, cancellationToken),
                site.BaseUrl)
            {
                ReturnPath = await returnPaths.ForIssueAsync(issue.Id, issue.SubscriberId, cancellationToken),
            };
        }
        return result;
    }

    /// <summary>
    /// The papers by id, each the same instance from batch to batch while its row is unchanged: a
    /// day's mails show the same few hundred papers, and what is worked out per paper (how it is
    /// shown, its escaped text) is kept by instance. Each batch asks only for the row versions
    /// (xmin changes with every update, so an ingest that changes upvotes is seen at once) and
    /// reads in full the papers it has not got or that changed.
    /// </summary>
    async Task<Dictionary<string, PaperRow>> PapersAsync(NpgsqlConnection connection, string[] paperIds, CancellationToken cancellationToken)
    {
        const string VersionsSql = "SELECT id AS Id, xmin::text AS Version FROM papers WHERE id = ANY (@paperIds)";
        const string PapersSql = """
            SELECT id AS Id, xmin::text AS Version, title AS Title, authors AS Authors, abstract AS Abstract, upvotes AS Upvotes,
                   page_url AS PageUrl, pdf_url AS PdfUrl, code_url AS CodeUrl
            FROM papers
            WHERE id = ANY (@paperIds)
            """;
        var papers = new Dictionary<string, PaperRow>(paperIds.Length, StringComparer.Ordinal);
        var stale = new List<string>();
        foreach (var (id, version) in await connection.QueryAsync<(string Id, string Version)>(new CommandDefinition(
            VersionsSql, new { paperIds }, cancellationToken: cancellationToken)))
        {
            if (_papers.TryGetValue(id, out var known) && known.Version == version)
                papers[id] = known;
            else
                stale.Add(id);
        }
        if (stale.Count == 0)
            return papers;
        if (_papers.Count + stale.Count > PaperCapacity)
            _papers.Clear();
        foreach (var paper in await connection.QueryAsync<PaperRow>(new CommandDefinition(
            PapersSql, new { paperIds = stale.ToArray() }, cancellationToken: cancellationToken)))
        {
            papers[paper.Id] = paper;
            _papers[paper.Id] = paper;
        }
        return papers;
    }

    /// <summary>
    /// Between the topics of one paper in digest_issues.paper_topics (migration 0068, whose
    /// issue_papers() splits on it too): topics are entered one a line, so none holds it.
    /// </summary>
    internal const char TopicSeparator = '\n';

    // A class for the same reason as PaperRow: the two text[] columns.
    sealed class IssueRow
    {
        public long Id { get; init; }
        public long SubscriberId { get; init; }
        public DateOnly Period { get; init; }
        /// <summary>The ranked papers of an issue planned since migration 0068; null before it.</summary>
        public string[]? PaperIds { get; init; }
        /// <summary>Beside each of <see cref="PaperIds"/>, the topics it matched, one a line.</summary>
        public string[]? PaperTopics { get; init; }
        /// <summary>An issue planned before migration 0068: its papers as JSON.</summary>
        public string? Papers { get; init; }
        public required string Frequency { get; init; }
        public int LinkGeneration { get; init; }

        /// <param name="topicLists">A batch's topic lists by their lines: a day's issues repeat the same few.</param>
        public ListedPaper[] Listed(Dictionary<string, string[]> topicLists)
        {
            if (PaperIds is null || PaperTopics is null)
                return Papers is null ? [] : JsonSerializer.Deserialize(Papers, IssueJson.Default.ListedPaperArray) ?? [];
            var listed = new ListedPaper[PaperIds.Length];
            for (var i = 0; i < listed.Length; i++)
            {
                var lines = PaperTopics[i];
                if (!topicLists.TryGetValue(lines, out var topics))
                    topicLists[lines] = topics = lines.Length == 0 ? [] : lines.Split(TopicSeparator);
                listed[i] = new ListedPaper(PaperIds[i], topics);
            }
            return listed;
        }
    }

    /// <summary>A paper of an issue, with the topics it matched; in JSON (digest_issues.papers before migration 0068) <c>{"id": "2509.01234", "topics": ["rlhf"]}</c>.</summary>
    sealed record ListedPaper(string Id, IReadOnlyList<string>? Topics);

    /// <summary>digest_issues.papers, of issues planned before migration 0068, read by generated code.</summary>
    [JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
    [JsonSerializable(typeof(ListedPaper[]))]
    sealed partial class IssueJson : JsonSerializerContext;

    sealed record TopicRow(long SubscriberId, string Query, string? Author, string? Category, int MinUpvotes);

    // A class, not a positional record: Npgsql reports a text[] column as System.Array, which
    // Dapper will assign to a string[] property but not match to a string[] constructor parameter.
    sealed class PaperRow
    {
        public required string Id { get; init; }
        public required string Version { get; init; }
        public required string Title { get; init; }
        public string[] Authors { get; init; } = [];
        public required string Abstract { get; init; }
        public int Upvotes { get; init; }
        public string? PageUrl { get; init; }
        public string? PdfUrl { get; init; }
        public string? CodeUrl { get; init; }

        /// <summary>The paper with the topics it matched for one subscriber; its own values are this row's strings, the same instances in every mail.</summary>
        public IssuePaper ToIssuePaper(IReadOnlyList<string> topics) =>
            new(Id, Title, Authors, Abstract, Upvotes, PageUrl, PdfUrl, CodeUrl, topics);
    }
}

using System.Globalization;
using Digest.Papers.Site;

namespace Digest.Digests;

/// <summary>
/// What the digest templates see (emails/digest.*): <see cref="DigestContent"/> with the wording
/// decided. Paper text stays raw here; the HTML templates escape it.
/// </summary>
internal sealed record DigestView(
    string Subject,
    string Headline,
    string? TopicSummary,
    string When,
    string Preheader,
    IReadOnlyList<PaperView> Papers,
    string Why,
    string WhyText,
    string Schedule,
    string ManageUrl,
    string UnsubscribeUrl,
    string ViewUrl,
    string SiteUrl,
    bool InBrowser)
{
    /// <summary>Topics named in the subject and heading before "and more".</summary>
    const int NamedTopics = 2;

    /// <summary>Up to this many topics are all named (naming 2 of 3 "and more" saves nothing).</summary>
    const int NamedTopicsAtMost = 3;

    /// <param name="shown">How a paper is shown at a position, before the subscriber's topics (a cache may stand in for <see cref="PaperView.Shown"/>).</param>
    public static DigestView Of(DigestContent content, bool inBrowser, Func<IssuePaper, int, int, Uri, PaperView>? shown = null)
    {
        shown ??= PaperView.Shown;
        var papers = content.Papers;
        var numberWidth = NumberWidth(papers.Count);
        var schedule = ScheduleOf(content);
        var why = WhyOf(content);
        var headline = HeadlineFor(papers.Count);
        var (subject, topics) = SubjectOf(content);
        return new DigestView(
            subject,
            headline,
            topics,
            PeriodName(content.Period, content.Frequency),
            papers.Count == 0 ? "" : DigestText.Shorten(papers[0].Title, 120),
            papers.Select((p, i) => shown(p, i + 1, numberWidth, content.SiteUrl).WithTopicsOf(p, numberWidth)).ToList(),
            why,
            WhyTextOf(why),
            schedule,
            content.ManageUrl.AbsoluteUri,
            content.UnsubscribeUrl.AbsoluteUri,
            content.ViewUrl.AbsoluteUri,
            content.SiteUrl.AbsoluteUri,
            inBrowser);
    }

    /// <summary>At least "1.  ": the text template indents its link lines by four.</summary>
    public static int NumberWidth(int papers) => Math.Max(4, $"{papers}. ".Length);

    /// <summary>The subject, and the matched topics it names (none when no paper matched a named topic).</summary>
    public static (string Subject, string? Topics) SubjectOf(DigestContent content)
    {
        var headline = HeadlineFor(content.Papers.Count);
        var topics = MatchedTopics(content.Papers);
        var when = PeriodName(content.Period, content.Frequency);
        return (topics is null ? $"{headline} — {when}" : $"{headline} on {topics} — {when}", topics);
    }

    static string ScheduleOf(DigestContent content) => content.Frequency == Frequency.Weekly ? "weekly" : "daily";

    /// <summary>Why the subscriber gets the digest, naming their own topics.</summary>
    public static string WhyOf(DigestContent content) => content.SubscriberTopics.Count == 0
        ? $"You get this digest {ScheduleOf(content)}."
        : $"You get this digest {ScheduleOf(content)} because you follow: {string.Join(", ", content.SubscriberTopics)}.";

    public static string WhyTextOf(string why) => DigestText.Wrap(why, DigestText.Width, "");

    static string HeadlineFor(int count) => count switch
    {
        0 => "No new papers",
        1 => "1 new paper",
        _ => $"{count.ToString(CultureInfo.InvariantCulture)} new papers",
    };

    /// <summary>"RLHF, diffusion and more": the matched topics, the most frequent first (ties: the first to appear in the ranking).</summary>
    static string? MatchedTopics(IReadOnlyList<IssuePaper> papers)
    {
        // Per mail, so no LINQ grouping: a mail has a few topics (a subscriber follows at most
        // ten), counted in a list in the order they first appear, then sorted stably by count.
        var counts = new List<(string Topic, int Papers)>(8);
        foreach (var paper in papers)
        {
            var topics = paper.Topics;
            for (var i = 0; i < topics.Count; i++)
            {
                var topic = topics[i];
                if (Repeats(topics, i))
                    continue;
                var at = IndexOf(counts, topic);
                if (at < 0)
                    counts.Add((topic, 1));
                else
                    counts[at] = (topic, counts[at].Papers + 1);
            }
        }
        if (counts.Count == 0)
            return null;
        for (var i = 1; i < counts.Count; i++)
        {
            var moving = counts[i];
            var j = i - 1;
            for (; j >= 0 && counts[j].Papers < moving.Papers; j--)
                counts[j + 1] = counts[j];
            counts[j + 1] = moving;
        }
        var named = counts.Count <= NamedTopicsAtMost ? counts.Count : NamedTopics;
        var names = new string[named];
        for (var i = 0; i < named; i++)
            names[i] = DigestText.Shorten(counts[i].Topic, 40);
        return named == counts.Count ? string.Join(", ", names) : string.Join(", ", names) + " and more";

        // A loop, not FindIndex: its lambda would capture the topic, an allocation per topic a mail.
        static int IndexOf(List<(string Topic, int Papers)> counts, string topic)
        {
            for (var i = 0; i < counts.Count; i++)
            {
                if (string.Equals(counts[i].Topic, topic, StringComparison.Ordinal))
                    return i;
            }
            return -1;
        }

        // A paper counts once for each topic, however often its list names it.
        static bool Repeats(IReadOnlyList<string> topics, int index)
        {
            for (var i = 0; i < index; i++)
            {
                if (string.Equals(topics[i], topics[index], StringComparison.Ordinal))
                    return true;
            }
            return false;
        }
    }

    /// <summary>
    /// "Nov 22", or for a weekly issue "week of Nov 17": the Monday of the week most of the seven
    /// days it covers fall in (the middle one, three days before the delivery date), so a Monday
    /// delivery is named after the week its papers came from.
    /// </summary>
    static string PeriodName(DateOnly period, Frequency frequency)
    {
        if (frequency == Frequency.Daily)
            return period.ToString("MMM d", CultureInfo.InvariantCulture);
        var middle = period.AddDays(-3);
        var monday = middle.AddDays(-(((int)middle.DayOfWeek + 6) % 7));
        return "week of " + monday.ToString("MMM d", CultureInfo.InvariantCulture);
    }
}

/// <summary>One paper as the templates show it; the Text… values are wrapped and indented for the plain-text part.</summary>
/// <param name="Url">Where the title links: the paper's own page (Hugging Face, arXiv) or else its page on this site.</param>
internal sealed record PaperView(
    string Number,
    string Title,
    string? Url,
    string? Authors,
    string? Upvotes,
    IReadOnlyList<string> Topics,
    string Excerpt,
    string? PageUrl,
    string? PdfUrl,
    string? CodeUrl,
    bool HasLinks,
    string TextTitle,
    string? TextAuthors,
    string? TextDetails,
    string TextExcerpt)
{
    /// <summary>Authors listed by name before "et al."; a list one longer is shown whole.</summary>
    const int NamedAuthors = 3;

    /// <summary>
    /// The paper's own text as UTF-8, filled in by the mails that show this view
    /// (<see cref="SharedDigest.Utf8Memo"/>). A field, so templates do not see it.
    /// </summary>
    internal readonly SharedDigest.Utf8Memo Memo = new();

    const int ExcerptLength = 300;

    /// <param name="siteUrl">Where the paper's page on this site is: the title links there when the paper has no page elsewhere (every demo paper).</param>
    public static PaperView Of(IssuePaper paper, int number, int numberWidth, Uri siteUrl) =>
        Shown(paper, number, numberWidth, siteUrl).WithTopicsOf(paper, numberWidth);

    /// <summary>
    /// The paper as every subscriber who gets it at this position sees it: all but the topics it
    /// matched for them (no topics, no details line yet). The costly part (wrapping, excerpts), so
    /// the renderer keeps it per paper and position for the day's mails.
    /// </summary>
    public static PaperView Shown(IssuePaper paper, int number, int numberWidth, Uri siteUrl)
    {
        var indent = new string(' ', numberWidth);
        var title = DigestText.Flatten(paper.Title);
        var authors = Byline(paper.Authors);
        var excerpt = DigestText.Excerpt(paper.Abstract, ExcerptLength);
        var pageUrl = DigestText.WebUrl(paper.PageUrl);
        var pdfUrl = DigestText.WebUrl(paper.PdfUrl);
        var codeUrl = DigestText.WebUrl(paper.CodeUrl);
        var textWidth = DigestText.Width - numberWidth;
        var upvotes = UpvotesOf(paper);
        return new PaperView(
            $"{number.ToString(CultureInfo.InvariantCulture)}.".PadRight(numberWidth),
            title,
            pageUrl ?? new Uri(siteUrl, SitePaths.Paper(paper.Id).TrimStart('/')).AbsoluteUri,
            authors,
            upvotes,
            [],
            excerpt,
            pageUrl,
            pdfUrl,
            codeUrl,
            pageUrl is not null || pdfUrl is not null || codeUrl is not null,
            DigestText.Wrap(title, textWidth, indent),
            authors is null ? null : indent + DigestText.Wrap(authors, textWidth, indent),
            null,
            excerpt.Length == 0 ? "" : indent + DigestText.Wrap(excerpt, textWidth, indent));
    }

    /// <summary>This paper as shown, with the subscriber's topics it matched and the details line naming them.</summary>
    public PaperView WithTopicsOf(IssuePaper paper, int numberWidth)
    {
        var topics = TopicsOf(paper);
        return this with { Topics = topics, TextDetails = DetailsOf(paper, topics, numberWidth) };
    }

    static string? UpvotesOf(IssuePaper paper) => paper.Upvotes switch
    {
        <= 0 => null,
        1 => "1 upvote",
        var n => $"{n.ToString(CultureInfo.InvariantCulture)} upvotes",
    };

    /// <summary>The subscriber's topics the paper matched, as shown (a blank one is not).</summary>
    public static List<string> TopicsOf(IssuePaper paper)
    {
        var topics = new List<string>(paper.Topics.Count);
        foreach (var topic in paper.Topics)
        {
            var flat = DigestText.Flatten(topic);
            if (flat.Length > 0)
                topics.Add(flat);
        }
        return topics;
    }

    /// <summary>The plain-text "▲ upvotes · matched: …" line, wrapped and indented; null when there is neither.</summary>
    public static string? DetailsOf(IssuePaper paper, List<string> topics, int numberWidth)
    {
        var upvotes = UpvotesOf(paper);
        var matched = topics.Count == 0 ? null : "matched: " + string.Join(", ", topics);
        var details = upvotes is null ? matched : matched is null ? upvotes : upvotes + " · " + matched;
        if (details is null)
            return null;
        var indent = new string(' ', numberWidth);
        return indent + DigestText.Wrap(details, DigestText.Width - numberWidth, indent);
    }

    static string? Byline(IReadOnlyList<string> authors)
    {
        var names = authors.Select(DigestText.Flatten).Where(a => a.Length > 0).ToList();
        if (names.Count == 0)
            return null;
        return names.Count <= NamedAuthors + 1
            ? string.Join(", ", names)
            : string.Join(", ", names.Take(NamedAuthors)) + " et al.";
    }
}

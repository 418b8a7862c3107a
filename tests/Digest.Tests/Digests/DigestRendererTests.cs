using System.Text.RegularExpressions;
using Digest.Digests;
using static Digest.Tests.Digests.DigestSamples;

namespace Digest.Tests.Digests;

public sealed partial class DigestRendererTests
{
    [Test]
    public void One_paper_is_a_new_paper_in_the_singular()
    {
        var email = Renderer.Render(Content([Paper("Only one", ["rlhf"])]));

        Assert.That(email.Subject, Is.EqualTo("1 new paper on rlhf — Nov 22"));
    }

    [Test]
    public void The_subject_names_the_matched_topics_most_frequent_first()
    {
        var email = Renderer.Render(Content(
        [
            Paper("A", ["agents"]),
            Paper("B", ["rlhf", "diffusion"]),
            Paper("C", ["diffusion"]),
        ]));

        Assert.That(email.Subject, Is.EqualTo("3 new papers on diffusion, agents, rlhf — Nov 22"));
    }

    [Test]
    public void More_than_three_topics_name_the_two_most_frequent_and_more()
    {
        var email = Renderer.Render(Content(
        [
            Paper("A", ["agents", "rlhf"]),
            Paper("B", ["rlhf", "diffusion"]),
            Paper("C", ["speech", "rlhf", "agents"]),
        ]));

        Assert.That(email.Subject, Is.EqualTo("3 new papers on rlhf, agents and more — Nov 22"));
    }

    [Test]
    public void Without_matched_topics_the_subject_says_how_many_and_when()
    {
        var email = Renderer.Render(Content([Paper("A"), Paper("B")]));

        Assert.That(email.Subject, Is.EqualTo("2 new papers — Nov 22"));
    }

    [TestCase("2025-11-22", "week of Nov 17")] // a Saturday: the week it ends
    [TestCase("2025-11-24", "week of Nov 17")] // a Monday: the week before, where its papers came from
    [TestCase("2025-11-27", "week of Nov 24")] // a Thursday: most of its seven days are this week
    public void A_weekly_subject_names_the_week_its_papers_came_from(string period, string expected)
    {
        var email = Renderer.Render(Content([Paper("A", ["rlhf"])], Frequency.Weekly, period: DateOnly.Parse(period, System.Globalization.CultureInfo.InvariantCulture)));

        Assert.That(email.Subject, Is.EqualTo($"1 new paper on rlhf — {expected}"));
    }

    [Test]
    public void Hostile_paper_text_is_escaped_in_the_html_and_hostile_links_are_dropped()
    {
        const string Hostile = "<img src=x onerror=alert(1)>";
        var email = Renderer.Render(Content(
        [
            Paper(Hostile, [Hostile], [Hostile], Hostile + " \"quoted\" & 'single'", page: "javascript:alert(1)", code: "https://ok.example/\"><script>"),
        ], following: [Hostile]));

        Assert.That(email.Html, Does.Not.Contain("<img"));
        Assert.That(email.Html, Does.Not.Contain("<script"));
        Assert.That(email.Html, Does.Not.Contain("javascript:"));
        Assert.That(email.Html, Does.Contain("&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;"));
        Assert.That(email.Html, Does.Contain("https://ok.example/%22%3E%3Cscript%3E"));
        Assert.That(Renderer.RenderPage(Content([Paper(Hostile, [Hostile])])), Does.Not.Contain("<img"));
    }

    [Test]
    public void Paper_text_that_is_not_Unicode_makes_the_mail_unwritable_with_a_clear_error(
        [Values("title", "abstract", "author", "topic")] string where, [Values] bool toSend)
    {
        var lone = new string([(char)0xDC01]);
        var paper = where switch
        {
            "title" => Paper($"A{lone}B", ["rlhf"]),
            "abstract" => Paper("A", ["rlhf"], abstractText: $"Text {lone} here."),
            "author" => Paper("A", ["rlhf"], [$"Zo{lone}"]),
            _ => Paper("A", [$"rl{lone}hf"]),
        };

        var content = Content([paper, Paper("B", ["rlhf"], id: "2511.00002")]);

        var error = Assert.Throws<Digest.Mailer.InvalidMessageException>(() => _ = toSend ? Renderer.RenderToSend(content) : Renderer.Render(content));

        Assert.That(error!.Rule, Does.Contain("not valid Unicode").And.Contain("U+DC01"));
        Assert.That(Renderer.Render(Content([Paper("A", ["rlhf"]), Paper("B", ["rlhf"], id: "2511.00002")])).Html, Does.Contain(">A<"), "the next mail renders");
    }

    [Test]
    public void Mails_whose_bodies_reuse_a_returned_buffer_hold_only_their_own_bytes()
    {
        // Rendered, read and disposed one after another, longest first, so each later mail's
        // bodies land in arrays a longer one wrote: a mail is its own bytes, never a tail of another's.
        var contents = Enumerable.Range(0, 12)
            .Select(n => Content(Enumerable.Range(0, 12 - n).Select(i => Paper($"Paper {n}.{i}", ["rlhf"], id: $"2511.{n:D2}{i:D3}")).ToList()))
            .ToList();
        foreach (var content in contents)
        {
            var whole = Renderer.RenderWhole(content);
            using var email = Renderer.Render(content);

            Assert.That(email.Html, Is.EqualTo(whole.Html));
            Assert.That(email.Text, Is.EqualTo(whole.Text));
        }
    }

    [Test]
    public void A_mail_rendered_to_send_is_encoded_and_refuses_to_be_read_as_text()
    {
        using var email = Renderer.RenderToSend(Content([Paper("A", ["rlhf"])]));

        Assert.That(email.IsEncoded);
        Assert.That(email.HtmlQuotedPrintable!.Length, Is.GreaterThan(1_000));
        Assert.That(email.TextQuotedPrintable!.Length, Is.GreaterThan(100));
        Assert.Throws<InvalidOperationException>(() => _ = email.Html);
    }

    [Test]
    public void A_disposed_mail_no_longer_lends_its_bodies()
    {
        var email = Renderer.Render(Content([Paper("A", ["rlhf"])]));
        email.Dispose();
        email.Dispose();

        Assert.Throws<ObjectDisposedException>(() => _ = email.HtmlUtf8);
        Assert.Throws<ObjectDisposedException>(() => _ = email.TextUtf8);
    }

    [Test]
    public void A_long_abstract_is_cut_at_a_word_boundary_near_300_characters()
    {
        var words = string.Join(' ', Enumerable.Range(1, 120).Select(i => $"word{i}"));

        var excerpt = DigestView.Of(Content([Paper("A", abstractText: words)]), inBrowser: false).Papers[0].Excerpt;

        Assert.That(excerpt, Does.EndWith("…"));
        var kept = excerpt[..^1];
        Assert.That(kept.Length, Is.InRange(250, 300));
        Assert.That(words, Does.StartWith(kept + " "), "cut after a whole word");
        Assert.That(Renderer.Render(Content([Paper("A", abstractText: words)])).Html, Does.Contain(kept + "…"));
    }

    [Test]
    public void A_short_abstract_is_shown_whole_on_one_line()
    {
        var excerpt = DigestView.Of(Content([Paper("A", abstractText: "Short\n  and   sweet.")]), inBrowser: false).Papers[0].Excerpt;

        Assert.That(excerpt, Is.EqualTo("Short and sweet."));
    }

    [TestCase(new[] { "A", "B", "C", "D", "E", "F" }, "A, B, C et al.")]
    [TestCase(new[] { "A", "B", "C", "D" }, "A, B, C, D")]
    [TestCase(new[] { "Ada Lovelace" }, "Ada Lovelace")]
    public void Long_author_lists_end_in_et_al(string[] authors, string expected)
    {
        var content = Content([Paper("A", authors: authors)]);

        Assert.That(DigestView.Of(content, inBrowser: false).Papers[0].Authors, Is.EqualTo(expected));
        Assert.That(Renderer.Render(content).Html, Does.Contain($">{expected}</p>"));
    }

    [Test]
    public void A_paper_without_authors_shows_no_author_line()
    {
        var email = Renderer.Render(Content([Paper("Nobody wrote this", abstractText: "The abstract.")]));

        Assert.That(DigestView.Of(Content([Paper("A")]), inBrowser: false).Papers[0].Authors, Is.Null);
        Assert.That(email.Html, Does.Not.Match("<p[^>]*></p>"), "no empty paragraph");
        Assert.That(email.Text, Does.Contain("Nobody wrote this\n    The abstract."));
    }

    [Test]
    public void The_title_links_to_the_paper_page_else_to_its_page_on_this_site()
    {
        var email = Renderer.Render(Content(
        [
            Paper("With page", page: "https://hf.example/p/1", pdf: "https://arxiv.example/pdf/1"),
            Paper("Only pdf", pdf: "https://arxiv.example/pdf/2", id: "2511.00002"),
            Paper("No links", id: "local-0123456789abcdef"),
        ]));

        Assert.That(email.Html, Does.Contain("<a href=\"https://hf.example/p/1\" style=\"color:#1d4ed8;text-decoration:none;\">With page</a>"));
        Assert.That(email.Html, Does.Contain("<a href=\"https://digest.example/papers/2511.00002\" style=\"color:#1d4ed8;text-decoration:none;\">Only pdf</a>"));
        Assert.That(email.Html, Does.Contain("<a href=\"https://digest.example/papers/local-0123456789abcdef\" style=\"color:#1d4ed8;text-decoration:none;\">No links</a>"));
        Assert.That(email.Text, Does.Contain("    Paper: https://digest.example/papers/local-0123456789abcdef\n"), "every entry has a link in the text part too");
    }

    [Test]
    public void The_text_part_has_every_title_and_link_and_no_html()
    {
        var content = Realistic();

        var text = Renderer.Render(content).Text;

        var lines = text.Split('\n');
        for (var i = 0; i < content.Papers.Count; i++)
        {
            var entry = string.Join(' ', lines.SkipWhile(l => !l.StartsWith($"{i + 1}.  ", StringComparison.Ordinal)).TakeWhile(l => l.Length > 0).Select(l => l.Trim()));
            Assert.That(entry, Does.StartWith($"{i + 1}.  {content.Papers[i].Title}"), "the wrapped title, joined again");
        }
        var links = content.Papers.SelectMany(p => new[] { p.PageUrl, p.PdfUrl, p.CodeUrl }).OfType<string>()
            .Concat([content.ManageUrl.AbsoluteUri, content.UnsubscribeUrl.AbsoluteUri, content.ViewUrl.AbsoluteUri, content.SiteUrl.AbsoluteUri]);
        foreach (var link in links)
            Assert.That(lines.Any(l => l.Trim() == link || l.Trim().EndsWith(" " + link, StringComparison.Ordinal)), Is.True, $"{link} ends a line, whole");
        Assert.That(HtmlTag().IsMatch(text), Is.False, text);
        Assert.That(text, Does.Not.Contain("&amp;").And.Not.Contain("&#"));
        Assert.That(lines.Where(l => l.Length > 72 && !l.Contains("://", StringComparison.Ordinal)), Is.Empty, "wrapped at 72 columns");
        Assert.That(text, Does.Contain("1.  Reward Models That Explain Themselves"));
        Assert.That(text, Does.Contain("You get this digest daily because you follow: rlhf, diffusion models."));
    }

    [Test]
    public void The_html_footer_says_why_and_links_to_manage_unsubscribe_and_the_browser_view()
    {
        var html = Renderer.Render(Realistic(Frequency.Weekly)).Html;

        Assert.That(html, Does.Contain("You get this digest weekly because you follow: rlhf, diffusion models."));
        Assert.That(html, Does.Contain("href=\"https://digest.example/manage/MANAGE-TOKEN\""));
        Assert.That(html, Does.Contain("href=\"https://digest.example/unsubscribe/UNSUBSCRIBE-TOKEN\""));
        Assert.That(html, Does.Contain("href=\"https://digest.example/issues/VIEW-TOKEN\""));
    }

    [Test]
    public void The_browser_page_is_a_shareable_copy_without_the_subscriber_links()
    {
        var page = Renderer.RenderPage(Realistic());

        Assert.That(page, Does.Contain("Reward Models That Explain Themselves"));
        Assert.That(page, Does.Contain("This is a shareable copy"));
        Assert.That(page, Does.Not.Contain("MANAGE-TOKEN").And.Not.Contain("/manage/"));
        Assert.That(page, Does.Not.Contain("UNSUBSCRIBE-TOKEN").And.Not.Contain("/unsubscribe/"));
        Assert.That(page, Does.Not.Contain("VIEW-TOKEN"));
    }

    [GeneratedRegex("<[a-zA-Z/!][^>]*>")]
    private static partial Regex HtmlTag();
}

using Digest.Papers;
using Digest.Tests.Papers.Harness;

namespace Digest.Tests.Papers;

public sealed class PaperRulesTests
{
    static readonly DateTimeOffset Now = PapersHost.Monday;

    static PaperCandidate Item(string? title = "A Title", string? id = "2509.01001", string? summary = "An abstract.") =>
        new("test item 0", id, title, summary, ListedAt: Now);

    static Paper Accepted(PaperCandidate item)
    {
        var (paper, rejection) = PaperRules.Check(item, Now);
        Assert.That(rejection, Is.Null, () => $"{rejection!.Rule}: {rejection.Detail}");
        return paper!;
    }

    static Rejection Rejected(PaperCandidate item)
    {
        var (paper, rejection) = PaperRules.Check(item, Now);
        Assert.That(paper, Is.Null, "the item should have been rejected");
        return rejection!;
    }

    [TestCase("2509.04664", "2509.04664")]
    [TestCase("2509.04664v2", "2509.04664")]
    [TestCase("0704.0001v1", "0704.0001")]
    [TestCase("arXiv:2509.04664v12", "2509.04664")]
    [TestCase("http://arxiv.org/abs/2509.04664v3", "2509.04664")]
    [TestCase("https://arxiv.org/pdf/2509.04664v1", "2509.04664")]
    [TestCase("hep-th/9901001v2", "hep-th/9901001")]
    [TestCase("math.GT/0309136", "math.GT/0309136")]
    [TestCase("local-0123456789abcdef", "local-0123456789abcdef")]
    public void Ids_are_stored_without_their_version_or_prefix(string raw, string stored) =>
        Assert.That(PaperId.Normalise(raw), Is.EqualTo(stored));

    [TestCase("2509.1")]
    [TestCase("not an id")]
    [TestCase("2509.04664v")]
    [TestCase("local-XYZ")]
    [TestCase("../../etc/passwd")]
    public void Anything_else_is_not_an_id(string raw) => Assert.That(PaperId.Normalise(raw), Is.Null);

    [TestCase("  Why   Language\n  Models\tHallucinate ", "Why Language Models Hallucinate")]
    [TestCase("<i>Sparse</i> Attention &amp; Beyond", "Sparse Attention & Beyond")]
    [TestCase("H<sub>2</sub>O and CO<sub>2</sub>", "H2O and CO2")]
    [TestCase("Line<br/>break", "Line break")]
    [TestCase("Scaling $\\mathcal{O}(n)$ Attention", "Scaling $\\mathcal{O}(n)$ Attention")]
    [TestCase("When $a<b$ and $c>d$", "When $a<b$ and $c>d$")]
    [TestCase("Loss &lt; 0.1 &#8212; a bound", "Loss < 0.1 — a bound")]
    [TestCase("Caf\u0065\u0301 Models", "Caf\u00e9 Models")]
    [TestCase("<!-- hidden -->Visible", "Visible")]
    public void Titles_are_made_plain_text(string raw, string stored) =>
        Assert.That(Accepted(Item(title: raw)).Title, Is.EqualTo(stored));

    [Test]
    public void Abstracts_keep_their_paragraphs_and_join_hard_wrapped_lines()
    {
        var paper = Accepted(Item(summary: "  First line\nwrapped here.\r\n\r\n  Second <b>paragraph</b>.\n\n\n"));

        Assert.That(paper.Abstract, Is.EqualTo("First line wrapped here.\n\nSecond paragraph."));
    }

    [TestCase("<script>alert(1)</script>Title")]
    [TestCase("&lt;script&gt;alert(1)&lt;/script&gt;")]
    [TestCase("<img src=x onerror=alert(1)>")]
    [TestCase("<a href=\"javascript:alert(1)\">click</a>")]
    [TestCase("<span onclick='x()'>Title</span>")]
    [TestCase("<iframe src=//example.org></iframe>")]
    [TestCase("<STYLE>body{}</STYLE>")]
    public void Active_html_rejects_the_item(string title) =>
        Assert.That(Rejected(Item(title: title)).Rule, Is.EqualTo(PaperRules.ActiveHtml));

    [TestCase("Bell\u0007")]
    [TestCase("Null\u0000")]
    [TestCase("Escape\u001b[31m")]
    [TestCase("C1\u0085control")]
    [TestCase("Right-to-left \u202Eoverride")]
    [TestCase("Isolate \u2066x\u2069")]
    [TestCase("Entity &#7; bell")]
    public void Control_characters_reject_the_item(string title) =>
        Assert.That(Rejected(Item(title: title)).Rule, Is.EqualTo(PaperRules.ControlCharacter));

    [Test]
    public void An_unpaired_surrogate_rejects_the_item() =>
        Assert.That(Rejected(Item(summary: "broken \ud800 text")).Rule, Is.EqualTo(PaperRules.InvalidUnicode));

    [Test]
    public void Emoji_and_other_astral_characters_are_fine() =>
        Assert.That(Accepted(Item(title: "Math \U0001D4D0 and \U0001F680")).Title, Is.EqualTo("Math \U0001D4D0 and \U0001F680"));

    [TestCase(null, PaperRules.IdMissing)]
    [TestCase("   ", PaperRules.IdMissing)]
    [TestCase("12345", PaperRules.IdFormat)]
    public void An_item_without_a_usable_id_is_rejected(string? id, string rule) =>
        Assert.That(Rejected(Item(id: id)).Rule, Is.EqualTo(rule));

    [TestCase(null)]
    [TestCase("")]
    [TestCase("  \n ")]
    [TestCase("<b></b>")]
    public void An_item_without_a_title_is_rejected(string? title) =>
        Assert.That(Rejected(Item(title: title)).Rule, Is.EqualTo(PaperRules.TitleMissing));

    [Test]
    public void A_large_abstract_within_the_limit_is_kept_whole()
    {
        var summary = string.Join(" ", Enumerable.Repeat("word", 3_900)); // 19,499 characters

        Assert.That(Accepted(Item(summary: summary)).Abstract, Has.Length.EqualTo(summary.Length));
    }

    [TestCase(20_001)]
    [TestCase(1_048_576)]
    public void An_abstract_over_the_limit_is_rejected(int length)
    {
        var rejection = Rejected(Item(summary: new string('a', length)));

        Assert.That(rejection.Rule, Is.EqualTo(PaperRules.TooLong));
        Assert.That(rejection.Detail, Does.Contain("abstract"));
    }

    [Test]
    public void Ten_thousand_authors_are_rejected()
    {
        var authors = Enumerable.Range(0, 10_000).Select(i => (string?)$"Author {i}").ToList();

        Assert.That(Rejected(Item() with { Authors = authors }).Rule, Is.EqualTo(PaperRules.TooMany));
    }

    [Test]
    public void Blank_and_repeated_authors_and_keywords_are_dropped_keeping_order()
    {
        var paper = Accepted(Item() with { Authors = ["B. Second", " ", null, "A. First", "B.  Second"], Keywords = ["rl", "rl", "dpo"] });

        Assert.That(paper.Authors, Is.EqualTo(new[] { "B. Second", "A. First" }));
        Assert.That(paper.Keywords, Is.EqualTo(new[] { "rl", "dpo" }));
    }

    [TestCase("javascript:alert(1)")]
    [TestCase("data:text/html,hi")]
    [TestCase("ftp://example.org/x")]
    [TestCase("github.com/no/scheme")]
    [TestCase("https://exa mple.org")]
    public void A_link_that_is_not_an_absolute_http_url_is_rejected(string url) =>
        Assert.That(Rejected(Item() with { CodeUrl = url }).Rule, Is.EqualTo(PaperRules.UrlFormat));

    [TestCase("cs.CL", true)]
    [TestCase("eess.AS", true)]
    [TestCase("hep-th", true)]
    [TestCase("cs CL", false)]
    [TestCase("<b>cs</b>", true)]
    [TestCase("cs.CL; DROP TABLE papers", false)]
    public void Categories_must_look_like_arxiv_categories(string category, bool accepted)
    {
        var (paper, rejection) = PaperRules.Check(Item() with { Categories = [category] }, Now);

        Assert.That(paper is not null, Is.EqualTo(accepted), () => rejection?.Detail ?? "");
    }

    [TestCase(-1)]
    [TestCase(10_000_001)]
    public void Upvotes_out_of_range_are_rejected(int upvotes) =>
        Assert.That(Rejected(Item() with { Upvotes = upvotes }).Rule, Is.EqualTo(PaperRules.UpvotesRange));

    [TestCase("1900-01-01")]
    [TestCase("2030-01-01")]
    public void Dates_before_arxiv_or_after_tomorrow_are_rejected(string date) =>
        Assert.That(Rejected(Item() with { PublishedOn = DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture) }).Rule,
            Is.EqualTo(PaperRules.DateRange));

    [Test]
    public void A_rejection_names_the_item_by_its_id_or_else_by_its_place_in_the_feed()
    {
        Assert.That(Rejected(Item(title: null)).Item, Is.EqualTo("2509.01001"));
        Assert.That(Rejected(Item(id: null)).Item, Is.EqualTo("test item 0"));
        Assert.That(Rejected(Item(id: "bad\nid")).Item, Is.EqualTo("test item 0"));
    }

    [Test]
    public void A_megabyte_of_bad_input_is_not_repeated_in_the_rejection()
    {
        var rejection = Rejected(Item(title: "<script>" + new string('x', 1_000_000)));

        Assert.That(rejection.Detail, Has.Length.LessThan(200));
    }
}

namespace Digest.Templates.Tests;

public sealed class TemplateEscapingTests
{
    static readonly TemplateRenderer Renderer = TemplateRenderer.Load();
    const string Hostile = "<script>alert('x')</script> & \"quotes\"";

    [Test]
    public void Html_templates_escape_every_value()
    {
        var html = Renderer.Render("pages/error", new { Title = Hostile, Message = Hostile, Field = "x\"><b>" });

        Assert.That(html, Does.Not.Contain("<script>alert"));
        Assert.That(html, Does.Contain("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;quotes&quot;"));
        Assert.That(html, Does.Not.Contain("\"><b>"));
    }

    [Test]
    public void Escape_writes_a_value_as_an_html_template_does_plain_or_not()
    {
        var random = new Random(13);
        var alphabet = Enumerable.Range(' ', '~' - ' ' + 1).Select(c => (char)c).Concat("é数🙂\t".ToCharArray()).ToArray();
        var values = Enumerable.Range(0, 2_000).Select(_ => new string(Enumerable.Range(0, random.Next(0, 40)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray()))
            .Concat(["plain words 123", "https://digest.test/manage/AbC-_9", Hostile, ""]);

        foreach (var value in values)
        {
            var asTemplateWritesIt = Renderer.Render("pages/error", new { Title = value, Message = "", Field = "" });
            Assert.That(asTemplateWritesIt, Does.Contain(Renderer.Escape(value)), value);
        }
        const string Plain = "plain words 123";
        Assert.That(Renderer.Escape(Plain), Is.SameAs(Plain), "nothing to escape: the value itself");
    }

    [Test]
    public void Text_templates_keep_values_as_they_are()
    {
        var email = Renderer.RenderEmail("confirmation", new
        {
            ConfirmUrl = "https://digest.test/confirm/abc?x=1&y=2",
            Topics = new[] { "\"large language\" -vision & more <b>" },
            Schedule = "every day at 07:00 (UTC)",
            ExpiresIn = "48 hours",
            SiteUrl = "https://digest.test/",
        });

        Assert.That(email.Text, Does.Contain("https://digest.test/confirm/abc?x=1&y=2"));
        Assert.That(email.Text, Does.Contain("  - \"large language\" -vision & more <b>"));
        Assert.That(email.Text, Does.Not.Contain("&amp;").And.Not.Contain("&quot;"));
        Assert.That(email.Html, Does.Contain("&quot;large language&quot; -vision &amp; more &lt;b&gt;"));
        // In an attribute "=" and "&" are escaped too; a browser reads the same URL.
        Assert.That(email.Html, Does.Contain("href=\"https://digest.test/confirm/abc?x&#x3D;1&amp;y&#x3D;2\""));
    }

    [Test]
    public void A_subject_is_one_line_whatever_a_value_brings_in()
    {
        var email = Renderer.RenderEmail("confirmation", new { Topics = Array.Empty<string>(), SiteUrl = "", ConfirmUrl = "", Schedule = "", ExpiresIn = "" });

        Assert.That(email.Subject, Is.EqualTo("Confirm your Digest subscription"));
        Assert.That(email.Subject, Does.Not.Contain("\n").And.Not.Contain("\r"));
    }

    [Test]
    public void The_plain_text_part_reads_well_alone()
    {
        var email = Renderer.RenderEmail("confirmation", new
        {
            ConfirmUrl = "https://digest.test/confirm/abc",
            Topics = new[] { "diffusion models", "rlhf author:\"ada lovelace\"" },
            Schedule = "every Monday at 07:00 (Europe/Paris)",
            ExpiresIn = "48 hours",
            SiteUrl = "https://digest.test/",
        });
        TestContext.Out.WriteLine(email.Text);

        Assert.That(email.Text, Does.Not.Contain("<").And.Not.Contain("{{"));
        Assert.That(email.Text.Split('\n').Max(l => l.Length), Is.LessThanOrEqualTo(78));
        Assert.That(email.Text, Does.Contain("  - diffusion models\n  - rlhf author:\"ada lovelace\"\n"));
        Assert.That(email.Text, Does.Contain("\n--\n"));
    }
}

using System.Text;

namespace Digest.Templates.Tests;

public sealed class TemplateOverrideTests
{
    string _folder = "";

    [SetUp]
    public void CreateFolder()
    {
        _folder = Path.Combine(Path.GetTempPath(), "digest-template-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
    }

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void Every_shipped_template_compiles_and_passes_the_checks()
    {
        var renderer = TemplateRenderer.Load();

        Assert.That(renderer.Contains("pages/subscribe"), Is.True);
        Assert.That(renderer.Contains("emails/confirmation.txt"), Is.True);
    }

    [Test]
    public void An_override_replaces_the_shipped_template_of_the_same_name()
    {
        Write("pages/error.hbs", "<p>Custom: {{title}}</p>");

        var html = TemplateRenderer.Load(_folder).Render("pages/error", new { Title = "Oops" });

        Assert.That(html, Is.EqualTo("<p>Custom: Oops</p>"));
    }

    [Test]
    public void An_overridden_partial_is_used_by_the_shipped_templates_that_include_it()
    {
        Write("layouts/email.txt.hbs", "{{> @partial-block}}\n-- our own footer");

        var email = TemplateRenderer.Load(_folder).RenderEmail("already-subscribed", new { ManageUrl = "https://x.test/manage/abc", SiteUrl = "https://x.test/" });

        Assert.That(email.Text, Does.EndWith("-- our own footer"));
        Assert.That(email.Text, Does.Contain("https://x.test/manage/abc"));
    }

    [TestCase("pages/error.hbs", "line one\n{{#if title}}\nnever closed", 2, "never closed")]
    [TestCase("pages/error.hbs", "ok\nok\n{{#if title}}x{{/each}}", 3, "closes '{{#if}}' from line 3")]
    [TestCase("pages/error.hbs", "{{#each items}}\n{{/each}}\n{{/if}}", 3, "never opened")]
    [TestCase("pages/error.hbs", "fine\n{{> partials/nothing-here}}", 2, "does not exist")]
    [TestCase("pages/error.hbs", "fine\nfine\n{{shout title}}", 3, "'shout' is not a helper")]
    [TestCase("pages/error.hbs", "fine\n{{#if (eq a b)}}x{{/if}}", 2, "'eq' is not a helper")]
    [TestCase("pages/error.hbs", "a\nb\nc {{title", 3, "never closed")]
    [TestCase("pages/error.hbs", "a\n{{else}}", 2, "outside any block")]
    [TestCase("emails/confirmation.txt.hbs", "a\nb\n{{&title}}", 3, "unparseable")]
    [TestCase("pages/error.hbs", "<div>\n  {{> partials/field-error id=\"x\" messages=m}}\n</div>", 2, "may not be indented")]
    [TestCase("layouts/page.hbs", "<main>\n\t{{> @partial-block}}\n</main>", 2, "may not be indented")]
    public void A_broken_override_is_rejected_with_its_file_line_and_reason(string name, string template, int line, string reason)
    {
        var path = Write(name, template);

        var error = Assert.Throws<TemplateException>(() => TemplateRenderer.Load(_folder))!;

        Assert.That(error.File, Is.EqualTo(path));
        Assert.That(error.Line, Is.EqualTo(line));
        Assert.That(error.Reason, Does.Contain(reason));
        Assert.That(error.Message, Does.StartWith($"{path}, line {line}: "));
    }

    [Test]
    public void An_override_that_replaces_nothing_is_rejected_so_a_misspelt_name_is_noticed()
    {
        var path = Write("pages/subscibe.hbs", "<p>typo</p>");

        var error = Assert.Throws<TemplateException>(() => TemplateRenderer.Load(_folder))!;

        Assert.That(error.File, Is.EqualTo(path));
        Assert.That(error.Reason, Does.Contain("does not replace any shipped template").And.Contain("pages/subscribe.hbs"));
    }

    [Test]
    public void An_override_that_is_not_utf8_is_rejected_with_the_line_of_the_bad_bytes()
    {
        var path = Path.Combine(_folder, "pages", "error.hbs");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, [.. Encoding.UTF8.GetBytes("ok\nok\nbad "), 0xC3, 0x28, .. "\n"u8]);

        var error = Assert.Throws<TemplateException>(() => TemplateRenderer.Load(_folder))!;

        Assert.That(error.Line, Is.EqualTo(3));
        Assert.That(error.Reason, Does.Contain("not valid UTF-8"));
    }

    [Test]
    public void A_missing_override_folder_is_rejected()
    {
        var missing = Path.Combine(_folder, "nope");

        var error = Assert.Throws<TemplateException>(() => TemplateRenderer.Load(missing))!;

        Assert.That(error.Message, Does.Contain(missing).And.Contain("does not exist"));
    }

    string Write(string name, string content)
    {
        var path = Path.Combine(_folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }
}

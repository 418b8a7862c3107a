using Digest.Templates;

namespace Digest.Tests.Digests;

/// <summary>
/// The digest's templates are shipped templates like the others, so the operator's overrides of
/// them are checked at start (TemplatesAtStartTests shows a broken override stopping the service).
/// </summary>
public sealed class DigestTemplatesTests
{
    [Test]
    public void The_digest_templates_are_among_the_checked_templates()
    {
        var templates = TemplateRenderer.Load();

        Assert.That(new[] { "emails/digest.subject.txt", "emails/digest.html", "emails/digest.txt" }.Select(templates.Contains), Is.All.True);
    }

    [Test]
    public void A_broken_digest_template_override_is_rejected_naming_the_file_and_line()
    {
        var folder = Directory.CreateTempSubdirectory("digest-template-tests-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "emails"));
            var file = Path.Combine(folder, "emails", "digest.html.hbs");
            File.WriteAllText(file, "<h1>{{headline}}</h1>\n{{#each papers}}\n<p>{{title}}</p>\n");

            var error = Assert.Throws<TemplateException>(() => TemplateRenderer.Load(folder));

            Assert.That(error.File, Is.EqualTo(file));
            Assert.That(error.Line, Is.EqualTo(2));
            Assert.That(error.Reason, Does.Contain("'{{#each}}' is never closed"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

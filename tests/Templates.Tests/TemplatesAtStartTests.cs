using Digest.TestSupport;

namespace Digest.Templates.Tests;

public sealed class TemplatesAtStartTests
{
    [Test]
    public async Task A_broken_override_stops_the_service_at_start_naming_the_file_line_and_reason()
    {
        var folder = Path.Combine(Path.GetTempPath(), "digest-template-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(folder, "pages"));
        var file = Path.Combine(folder, "pages", "manage.hbs");
        await File.WriteAllTextAsync(file, "<h1>Manage</h1>\n{{#each form.topics}}\n<p>{{this}}</p>\n");
        try
        {
            var (exitCode, output) = await DigestProcess.RunAsync(["--urls", "http://127.0.0.1:0"], new Dictionary<string, string?>
            {
                ["ConnectionStrings__Postgres"] = await TestPostgres.CreateDatabaseAsync(),
                ["Templates__Folder"] = folder,
            });

            Assert.That(exitCode, Is.EqualTo(1), output);
            Assert.That(output, Does.Contain($"digest: Templates:Folder: {file}, line 2: '{{{{#each}}}}' is never closed"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public async Task An_operator_override_is_what_the_service_serves()
    {
        var folder = Path.Combine(Path.GetTempPath(), "digest-template-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(folder, "pages"));
        await File.WriteAllTextAsync(Path.Combine(folder, "pages", "check-your-inbox.hbs"),
            "{{#> layouts/page title=\"Regardez votre boîte\"}}<h1>Regardez votre boîte aux lettres</h1>{{/layouts/page}}");
        try
        {
            await using var app = new DigestApp(await TestPostgres.CreateDatabaseAsync(), new Dictionary<string, string?>
            {
                ["Templates:Folder"] = folder,
            });
            using var client = app.CreateClient();

            var html = await client.GetStringAsync(new Uri("/check-your-inbox", UriKind.Relative));

            Assert.That(html, Does.Contain("<h1>Regardez votre boîte aux lettres</h1>"));
            Assert.That(html, Does.Contain("<title>Regardez votre boîte — Digest</title>"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

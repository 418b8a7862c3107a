using Digest.Subscriptions.Site;
using Digest.Subscriptions.Tests.Harness;
using Digest.TestSupport;
using Microsoft.Extensions.Options;

namespace Digest.Subscriptions.Tests.Site;

public sealed class SiteOptionsTests
{
    [TestCase("Digest:PublicUrl", "not a url", "Digest:PublicUrl must be")]
    [TestCase("Digest:PublicUrl", "ftp://digest.example.org", "Digest:PublicUrl must be")]
    [TestCase("Digest:PublicUrl", "https://example.org/digest", "no path")]
    [TestCase("Digest:From", "Digest <not an address>", "Digest:From must be")]
    [TestCase("Digest:From", "digest@example.org\r\nBcc: x@y.org", "line breaks")]
    [TestCase("Subscriptions:ConfirmationLifetime", "00:00:10", "ConfirmationLifetime")]
    [TestCase("Outbox:BatchSize", "0", "BatchSize")]
    public async Task A_wrong_setting_stops_the_service_at_start_naming_it(string key, string value, string message)
    {
        var (exitCode, output) = await DigestProcess.RunAsync(["--urls", "http://127.0.0.1:0"], new Dictionary<string, string?>
        {
            ["ConnectionStrings__Postgres"] = await TestPostgres.CreateDatabaseAsync(),
            [key.Replace(":", "__", StringComparison.Ordinal)] = value,
        });

        Assert.That(exitCode, Is.EqualTo(1), output);
        Assert.That(output, Does.Contain("digest: ").And.Contain(message));
    }

    [Test]
    public void The_sender_is_read_with_or_without_a_display_name()
    {
        Assert.That(SiteOptions.TryParseFrom("Paper Digest <news@lab.example.org>", out var named, out _), Is.True);
        Assert.That((named!.Name, named.Address), Is.EqualTo(("Paper Digest", "news@lab.example.org")));
        Assert.That(SiteOptions.TryParseFrom("news@lab.example.org", out var bare, out _), Is.True);
        Assert.That(bare!.Name, Is.Null);
    }

    [Test]
    public async Task Links_never_take_their_host_from_the_request()
    {
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Digest:PublicUrl"] = "https://digest.example.org" });
        using var client = service.Client();
        client.DefaultRequestHeaders.Host = "evil.example.net";

        await Forms.SubscribeAsync(client, "host@example.org");
        var mail = (await Inbox.WaitForAsync(service, "host@example.org")).Single();

        Assert.That(mail.Link("/confirm/"), Does.StartWith("https://digest.example.org/confirm/"));
        Assert.That(mail.Text + mail.Html, Does.Not.Contain("evil.example.net"));
        Assert.That(service.Service<PublicSite>().From.ToString(), Is.EqualTo("Digest <digest@digest.localhost>"));
    }
}

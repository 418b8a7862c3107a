using System.Security.Cryptography;
using Digest.Mailer.Pickup;
using Digest.Mailer.Relays;
using Digest.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Digest.Mailer.Tests;

/// <summary>Registration: the "Mailer" section picks the transport, and a bad setting stops the start with its key.</summary>
public sealed class MailerExtensionsTests
{
    [Test]
    public async Task With_relays_configured_mail_goes_over_SMTP()
    {
        using var host = Build(new()
        {
            ["Mailer:Relays:0:Host"] = "relay.example.test",
            ["Mailer:Relays:0:Port"] = "587",
            ["Mailer:Relays:0:Tls"] = "Required",
            ["Mailer:Relays:0:Connections"] = "8",
            ["Mailer:Relays:0:MessagesPerSecond"] = "50",
            ["Mailer:Relays:0:Timeouts:FinalDot"] = "00:15:00",
        });
        await host.StartAsync();

        var options = host.Services.GetRequiredService<IOptions<MailerOptions>>().Value;
        Assert.That(host.Services.GetRequiredService<IMailTransport>(), Is.InstanceOf<SmtpTransport>());
        Assert.That(options.Relays.Single().Port, Is.EqualTo(587));
        Assert.That(options.Relays.Single().Timeouts.FinalDot, Is.EqualTo(TimeSpan.FromMinutes(15)));
        Assert.That(options.Relays.Single().Timeouts.Data, Is.EqualTo(TimeSpan.FromMinutes(2)), "the RFC's waits are the defaults");
        await host.StopAsync();
    }

    [Test]
    public async Task Without_relays_mail_goes_to_the_pickup_folder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "digest-pickup-" + Guid.NewGuid().ToString("N"));
        using var host = Build(new() { ["Mailer:PickupFolder"] = folder });
        await host.StartAsync();

        var transport = host.Services.GetRequiredService<IMailTransport>();

        Assert.That(transport, Is.InstanceOf<PickupFolderTransport>());
        Assert.That(((PickupFolderTransport)transport).Folder, Is.EqualTo(folder));
        await host.StopAsync();
    }

    [TestCase("Mailer:Relays:0:Port", "0", "Mailer:Relays:0:Port")]
    [TestCase("Mailer:Relays:0:Connections", "0", "Mailer:Relays:0:Connections")]
    [TestCase("Mailer:Relays:0:Host", "", "Mailer:Relays:0:Host")]
    [TestCase("Mailer:Relays:0:UserName", "ada", "Password is needed")]
    [TestCase("Mailer:Relays:0:TrustedCertificatePath", "/nonexistent/ca.pem", "TrustedCertificatePath")]
    [TestCase("Mailer:Relays:0:Timeouts:FinalDot", "00:00:00", "Timeouts:FinalDot")]
    [TestCase("Mailer:Dkim:PrivateKeyPath", "/nonexistent/dkim.pem", "Mailer:Dkim")]
    [TestCase("Mailer:Dkim:Domain", "example.org", "PrivateKeyPath is not")]
    [TestCase("Mailer:Bounces:Address", "not an address", "Mailer:Bounces:Address")]
    [TestCase("Mailer:Bounces:Address", "digest-bounce-reports@example.org", "leaves no room for the 50-character token")]
    [TestCase("Mailer:Bounces:Address", "bounces+x@example.org", "without a '+'")]
    [TestCase("Mailer:Bounces:Mailbox:Host", "imap.example.org", "Address is not")]
    [TestCase("Mailer:Bounces:CheckEvery", "00:00:00", "CheckEvery")]
    public void A_bad_setting_stops_the_start_naming_its_key(string key, string value, string named)
    {
        var settings = new Dictionary<string, string?> { ["Mailer:Relays:0:Host"] = "relay.example.test", [key] = value };
        using var host = Build(settings);

        var error = Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.That(error!.Message, Does.Contain(named));
    }

    [Test]
    public void Credentials_over_a_relay_without_TLS_stop_the_start()
    {
        using var host = Build(new()
        {
            ["Mailer:Relays:0:Host"] = "relay.example.test",
            ["Mailer:Relays:0:Tls"] = "None",
            ["Mailer:Relays:0:UserName"] = "ada",
            ["Mailer:Relays:0:Password"] = "secret",
        });

        var error = Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.That(error!.Message, Does.Contain("plain text").And.Not.Contain("secret"));
    }

    [TestCase("imap.example.org", "None", "ada", "secret", "plain text")]
    [TestCase("imap.example.org", "Implicit", "", "secret", "User and Password are needed")]
    public void A_bounce_mailbox_that_would_leak_or_lacks_its_login_stops_the_start(string host, string tls, string user, string password, string named)
    {
        using var service = Build(new()
        {
            ["Mailer:Relays:0:Host"] = "relay.example.test",
            ["Mailer:Bounces:Address"] = "bounces@example.org",
            ["Mailer:Bounces:Mailbox:Host"] = host,
            ["Mailer:Bounces:Mailbox:Tls"] = tls,
            ["Mailer:Bounces:Mailbox:User"] = user,
            ["Mailer:Bounces:Mailbox:Password"] = password,
        });

        var error = Assert.ThrowsAsync<OptionsValidationException>(() => service.StartAsync());

        Assert.That(error!.Message, Does.Contain(named).And.Not.Contain("secret"));
    }

    [Test]
    public void Neither_relays_nor_a_pickup_folder_stops_the_start()
    {
        using var host = Build([]);

        var error = Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.That(error!.Message, Does.Contain("Relays").And.Contain("PickupFolder"));
    }

    [Test]
    public async Task The_protocol_log_is_switched_on_from_configuration()
    {
        using var sink = await SmtpSink.StartAsync();
        foreach (var on in new[] { false, true })
        {
            var log = new LogCollector();
            using var host = Build(new()
            {
                ["Mailer:Relays:0:Host"] = SmtpSink.Host,
                ["Mailer:Relays:0:Port"] = sink.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Mailer:ProtocolLog"] = on.ToString(),
            }, log);
            await host.StartAsync();

            await host.Services.GetRequiredService<IMailTransport>().SendAsync(new EmailMessage
            {
                From = MailboxAddress.Parse("digest@example.org"),
                To = [MailboxAddress.Parse("ada@example.org")],
                Subject = "Logged",
                TextBody = "Hello.\n",
            });
            await host.StopAsync();

            Assert.That(log.Lines.Any(l => l.Contains("C: MAIL FROM:<digest@example.org>", StringComparison.Ordinal)), Is.EqualTo(on), $"ProtocolLog={on}");
        }
    }

    [Test]
    public async Task A_DKIM_key_in_configuration_signs_every_message()
    {
        using var key = RSA.Create(2048);
        var keyPath = Path.Combine(Path.GetTempPath(), $"digest-dkim-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());
        var folder = Path.Combine(Path.GetTempPath(), "digest-pickup-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var host = Build(new()
            {
                ["Mailer:PickupFolder"] = folder,
                ["Mailer:Dkim:Domain"] = "example.org",
                ["Mailer:Dkim:Selector"] = "digest",
                ["Mailer:Dkim:PrivateKeyPath"] = keyPath,
            });
            await host.StartAsync();

            await host.Services.GetRequiredService<IMailTransport>().SendAsync(new EmailMessage
            {
                From = MailboxAddress.Parse("digest@example.org"),
                To = [MailboxAddress.Parse("ada@example.org")],
                Subject = "Signed",
                TextBody = "Hello.\n",
            });

            var written = await File.ReadAllTextAsync(Directory.GetFiles(folder).Single());
            Assert.That(written, Does.StartWith("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=digest;"));
            await host.StopAsync();
        }
        finally
        {
            File.Delete(keyPath);
            if (Directory.Exists(folder))
                Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public async Task The_service_on_its_defaults_drops_mail_into_the_data_folder()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "digest-tests", "mailer-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            await using var app = new DigestApp(await TestPostgres.CreateDatabaseAsync(), new Dictionary<string, string?> { ["Digest:DataDir"] = dataDir });
            using var client = app.CreateClient();

            var transport = app.Services.GetRequiredService<IMailTransport>();
            var result = await transport.SendAsync(new EmailMessage
            {
                From = MailboxAddress.Parse("digest@example.org"),
                To = [MailboxAddress.Parse("ada@example.org")],
                Subject = "Embedded default",
                TextBody = "Hello.\n",
            });

            Assert.That(transport, Is.InstanceOf<PickupFolderTransport>());
            Assert.That(result.Outcome, Is.EqualTo(DeliveryOutcome.Sent));
            Assert.That(Directory.GetFiles(Path.Combine(dataDir, "mail"), "*.eml"), Has.Length.EqualTo(1));
        }
        finally
        {
            if (Directory.Exists(dataDir))
                Directory.Delete(dataDir, recursive: true);
        }
    }

    static IHost Build(Dictionary<string, string?> settings, ILoggerProvider? log = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        if (log is not null)
            builder.Logging.AddProvider(log);
        builder.AddMailer();
        return builder.Build();
    }
}

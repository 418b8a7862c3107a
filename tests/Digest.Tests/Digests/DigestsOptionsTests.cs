using Digest.Digests;
using Digest.Mailer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Digest.Tests.Digests;

/// <summary>Digests:SendConcurrency, unset, follows the relays: twice their connections in all, shared among the workers.</summary>
public sealed class DigestsOptionsTests
{
    [TestCase(new[] { 16 }, 4, ExpectedResult = 8, TestName = "One relay with 16 connections and 4 workers: 8 sends a worker")]
    [TestCase(new[] { 4 }, 4, ExpectedResult = 2, TestName = "The default relay (4 connections) and 4 workers: 2 sends a worker")]
    [TestCase(new[] { 4, 12 }, 4, ExpectedResult = 8, TestName = "Two relays count their connections together")]
    [TestCase(new[] { 3 }, 2, ExpectedResult = 3, TestName = "A share that does not divide evenly rounds up")]
    [TestCase(new[] { 1 }, 8, ExpectedResult = 1, TestName = "More workers than connections still send one each")]
    [TestCase(new[] { 16 }, 0, ExpectedResult = 32, TestName = "No workers on this instance does not divide by zero")]
    [TestCase(new int[0], 4, ExpectedResult = DigestsOptions.PickupSendConcurrency, TestName = "The pickup folder, no relay: the pickup default")]
    public int Unset_send_concurrency_follows_the_relays(int[] connections, int workers) =>
        Options(connections, workers).SendConcurrency;

    [Test]
    public void A_configured_send_concurrency_is_kept_as_it_is() =>
        Assert.That(Options([16], 4, sendConcurrency: 32).SendConcurrency, Is.EqualTo(32));

    [Test]
    public void The_rule_and_the_bound_options_agree()
    {
        Assert.That(DigestsOptions.SendConcurrencyFor(10, 3), Is.EqualTo(7), "ceil(2 × 10 / 3)");
        Assert.That(Options([10], 3).SendConcurrency, Is.EqualTo(7));
    }

    [Test]
    public void A_relay_without_a_connection_count_counts_the_relays_default() =>
        Assert.That(Options([0], 4, settings: new() { ["Mailer:Relays:0:Connections"] = null }).SendConcurrency,
            Is.EqualTo(DigestsOptions.SendConcurrencyFor(new RelayOptions().Connections, 4)));

    [Test]
    public void A_broken_Mailer_setting_does_not_stop_the_digest_options_from_binding()
    {
        // Verbs that send nothing (migrate, stats) build the host and read these options; the Mailer
        // reports its own settings when it starts. A DKIM domain without its key file is one such.
        var options = Options([16], 4, settings: new() { ["Mailer:Dkim:Domain"] = "example.org", ["Mailer:Dkim:Selector"] = "s1", ["Mailer:Dkim:PrivateKeyPath"] = "/nonexistent/dkim.pem" });
        Assert.That(options.SendConcurrency, Is.EqualTo(8));
    }

    static DigestsOptions Options(int[] connections, int workers, int? sendConcurrency = null, Dictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var all = new Dictionary<string, string?>
        {
            ["Digests:Workers"] = workers.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Digests:SendConcurrency"] = sendConcurrency?.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        for (var i = 0; i < connections.Length; i++)
        {
            all[$"Mailer:Relays:{i}:Host"] = $"relay{i}.example.org";
            all[$"Mailer:Relays:{i}:Connections"] = connections[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        if (connections.Length == 0)
            all["Mailer:PickupFolder"] = Path.GetTempPath();
        foreach (var (key, value) in settings ?? [])
            all[key] = value;
        builder.Configuration.AddInMemoryCollection(all);
        builder.AddMailer();
        builder.AddDigests();
        using var services = builder.Services.BuildServiceProvider();
        return services.GetRequiredService<IOptions<DigestsOptions>>().Value;
    }
}

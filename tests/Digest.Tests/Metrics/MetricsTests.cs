using System.Net;
using System.Net.Http.Headers;
using Digest.TestSupport;
using Digest.Tests.Digests.Harness;

namespace Digest.Tests.Metrics;

/// <summary>/metrics as Prometheus scrapes it: the names and types it promises, counters that move, and who may read it.</summary>
// Alone: a MeterProvider subscribes to meters by name, so another fixture's host in this process
// (its own "Digest" meter) would be scraped too, and one of two same-named series exported.
[NonParallelizable]
public sealed class MetricsTests
{
    string _folder = null!;

    [SetUp]
    public void NewFolder() => _folder = Path.Combine(Path.GetTempPath(), "digest-tests", "metrics-" + Guid.NewGuid().ToString("N")[..8]);

    [TearDown]
    public void RemoveFolder()
    {
        if (Directory.Exists(_folder))
            Directory.Delete(_folder, recursive: true);
    }

    Dictionary<string, string?> Settings(string token = "") => new()
    {
        ["Digest:DataDir"] = _folder,
        ["Digest:PublicUrl"] = "https://digest.example.org/",
        // The one paper source a test can run offline: the shipped demo set, ingested at start.
        ["Papers:Demo"] = "Always",
        ["Digests:PlanEvery"] = "00:00:01",
        ["Digests:PollInterval"] = "00:00:01",
        ["Metrics:BearerToken"] = token,
    };

    [Test]
    public async Task A_scrape_names_our_instruments_with_their_types_and_the_sent_counter_moves_after_a_send()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        await using var app = new DigestApp(connectionString, Settings());
        var baseAddress = app.StartOnLoopback();
        using var http = new HttpClient { BaseAddress = baseAddress };
        await http.GetAsync(new Uri("/", UriKind.Relative));

        var before = await ScrapeAsync(http);

        Assert.That(before.Types, Does.ContainKey("digest_queue_depth").WithValue("gauge"));
        Assert.That(before.Types, Does.ContainKey("digest_queue_oldest_due_age_seconds").WithValue("gauge"));
        Assert.That(before.Types, Does.ContainKey("digest_outbox_depth").WithValue("gauge"));
        Assert.That(before.Types, Does.ContainKey("http_server_request_duration_seconds").WithValue("histogram"), "ASP.NET Core's instruments");
        Assert.That(before.Types, Does.ContainKey("dotnet_gc_collections_total").WithValue("counter"), "the runtime's instruments");
        Assert.That(before.Value("digest_digests_delivered_total", ("outcome", "sent")) ?? 0, Is.Zero);

        var now = DateTimeOffset.UtcNow;
        await using (var seed = await DigestsHost.StartAsync(now, connectionString: connectionString))
        {
            await seed.AddPaperAsync("2511.00001", "Diffusion Transformers at Scale", "We scale diffusion models.", 12, now.AddHours(-1));
            await seed.SubscribeAsync("ada@example.org", ["diffusion"], hour: 0);
        }

        PrometheusText after = before;
        var sent = await WaitFor.ConditionAsync(async () =>
        {
            after = await ScrapeAsync(http);
            // The gauges are read from the database at most every few seconds.
            return after.Value("digest_digests_delivered_total", ("outcome", "sent")) == 1
                && after.Value("digest_subscribers", ("status", "active")) == 1
                && after.Value("digest_ingest_new_total", ("source", "demo")) > 0;
        }, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(500));

        Assert.That(sent, Is.True, "one digest sent, one active subscriber, the demo papers ingested; the last scrape's own samples:\n" +
            string.Join('\n', after.Samples.Where(x => x.Name.StartsWith("digest_", StringComparison.Ordinal)).Select(x => $"{x.Name} {string.Join(',', x.Labels.Select(l => $"{l.Key}={l.Value}"))} {x.Value}")));
        Assert.That(after.Types, Does.ContainKey("digest_digests_delivered_total").WithValue("counter"));
        Assert.That(after.Types, Does.ContainKey("digest_digests_planned_total").WithValue("counter"));
        Assert.That(after.Types, Does.ContainKey("digest_plan_duration_seconds").WithValue("histogram"));
        Assert.That(after.Types, Does.ContainKey("digest_delivery_batch_duration_seconds").WithValue("histogram"));
        Assert.That(after.Value("digest_digests_planned_total", ("kind", "mail")), Is.EqualTo(1));
        Assert.That(after.Types, Does.ContainKey("digest_ingest_fetched_total").WithValue("counter"));
        Assert.That(after.Value("digest_ingest_errors_total", ("source", "demo")), Is.Zero);
    }

    [Test]
    public async Task Off_loopback_metrics_are_refused_without_the_configured_bearer_token()
    {
        await using var app = new DigestApp(await TestPostgres.CreateDatabaseAsync(), Settings(token: "a-long-random-test-token"));
        // The in-memory server's requests come from no address at all: not loopback.
        using var client = app.CreateClient();

        var anonymous = await client.GetAsync(new Uri("/metrics", UriKind.Relative));
        var wrong = await GetWithTokenAsync(client, "a-long-random-test-tokeN");
        var right = await GetWithTokenAsync(client, "a-long-random-test-token");

        Assert.That(anonymous.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await anonymous.Content.ReadAsStringAsync(), Does.Not.Contain("digest_"));
        Assert.That(wrong.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(right.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await right.Content.ReadAsStringAsync(), Does.Contain("# TYPE digest_queue_depth gauge"));
    }

    [Test]
    public async Task Without_a_token_off_loopback_is_refused()
    {
        await using var app = new DigestApp(await TestPostgres.CreateDatabaseAsync(), Settings());
        using var client = app.CreateClient();

        var response = await GetWithTokenAsync(client, "anything-at-all-long-enough");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    static async Task<HttpResponseMessage> GetWithTokenAsync(HttpClient client, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/metrics", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await client.SendAsync(request);
    }

    static async Task<PrometheusText> ScrapeAsync(HttpClient http)
    {
        var response = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), "loopback may scrape");
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }
}

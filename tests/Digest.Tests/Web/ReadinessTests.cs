using System.Net;
using Digest.Database.Embedded;
using Digest.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Digest.Tests.Web;

/// <summary>/readyz follows the database; /healthz (liveness) does not, so a database restart never gets the service killed.</summary>
public sealed class ReadinessTests
{
    [Test]
    public async Task Readyz_is_503_while_PostgreSQL_is_stopped_and_200_once_it_is_back_while_healthz_stays_200()
    {
        var folder = Path.Combine(Path.GetTempPath(), "digest-tests", "ready-" + Guid.NewGuid().ToString("N")[..8]);
        var settings = new EmbeddedPostgresSettings(folder, Durable: false);
        var cluster = await EmbeddedPostgres.StartAsync(settings, NullLogger.Instance);
        try
        {
            await using var app = new DigestApp(cluster.ConnectionString("digest"), new Dictionary<string, string?>
            {
                ["Digest:DataDir"] = folder,
            });
            using var client = app.CreateClient();
            Assert.That(await StatusBecomesAsync(client, "/readyz", HttpStatusCode.OK), Is.True, "ready once migrated and scheduling");

            await cluster.StopAsync();

            Assert.That(await StatusBecomesAsync(client, "/readyz", HttpStatusCode.ServiceUnavailable), Is.True);
            Assert.That((await client.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode, Is.EqualTo(HttpStatusCode.OK));

            cluster = await EmbeddedPostgres.StartAsync(settings, NullLogger.Instance);

            Assert.That(await StatusBecomesAsync(client, "/readyz", HttpStatusCode.OK), Is.True, "ready again after the restart");
        }
        finally
        {
            await cluster.StopAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    static Task<bool> StatusBecomesAsync(HttpClient client, string path, HttpStatusCode status) =>
        WaitFor.ConditionAsync(async () => (await client.GetAsync(new Uri(path, UriKind.Relative))).StatusCode == status,
            TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200));
}

using System.Net;
using Digest.TestSupport;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Digest.Tests.Web;

public sealed class HealthTests
{
    [Test]
    public async Task Healthz_answers_200_when_the_database_is_up_and_migrated()
    {
        await using var app = new DigestApp(await TestPostgres.CreateDatabaseAsync());
        using var client = app.CreateClient();

        var response = await client.GetAsync(new Uri("/healthz", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task The_database_check_is_unhealthy_when_the_database_cannot_be_reached()
    {
        await using var unreachable = NpgsqlDataSource.Create("Host=/nonexistent-socket-dir;Database=digest;Username=digest;Timeout=2");
        var check = new Digest.Database.DatabaseHealthCheck(unreachable);

        var result = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.That(result.Status, Is.EqualTo(HealthStatus.Unhealthy));
    }
}

using System.Net;
using Digest.TestSupport;

namespace Digest.Tests.Hosting;

/// <summary>The standard ASP.NET Core settings say where the service listens (the default is only a default).</summary>
public sealed class ListenUrlsTests
{
    [TestCase("ASPNETCORE_URLS")]
    [TestCase("ASPNETCORE_HTTP_PORTS")]
    public async Task The_standard_environment_variable_decides_where_the_service_listens(string variable)
    {
        var port = FreePort.Next();
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__Postgres"] = await TestPostgres.CreateDatabaseAsync(),
            [variable] = variable == "ASPNETCORE_URLS" ? $"http://127.0.0.1:{port}" : $"{port}",
        };
        using var service = DigestProcess.Start([], environment);

        var answered = await WaitFor.ConditionAsync(async () => await AnswersAsync(port) || service.HasExited, TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(250));

        Assert.That(answered && !service.HasExited, Is.True, service.Output);
        Assert.That(service.Output, Does.Contain($":{port}  (Ctrl-C stops it)").And.Not.Contain("localhost:5080"));
        service.Interrupt();
        Assert.That(await service.WaitForExitAsync(TimeSpan.FromSeconds(60)), Is.Zero, service.Output);
    }

    [Test]
    public async Task The_urls_option_wins_over_the_environment()
    {
        var port = FreePort.Next();
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__Postgres"] = await TestPostgres.CreateDatabaseAsync(),
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort.Next()}",
        };
        using var service = DigestProcess.Start(["--urls", $"http://127.0.0.1:{port}"], environment);

        var answered = await WaitFor.ConditionAsync(async () => await AnswersAsync(port) || service.HasExited, TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(250));

        Assert.That(answered && !service.HasExited, Is.True, service.Output);
        Assert.That(service.Output, Does.Contain($"Digest is running at http://127.0.0.1:{port}"));
        service.Interrupt();
        await service.WaitForExitAsync(TimeSpan.FromSeconds(60));
    }

    static async Task<bool> AnswersAsync(int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            return (await http.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz"))).StatusCode == HttpStatusCode.OK;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }
}

using System.Net;
using Digest.TestSupport;

namespace Digest.Tests.Hosting;

/// <summary>
/// Behind nginx: X-Forwarded-For is believed from a known proxy only. The service listens on
/// loopback and the test is its peer, so "trusted" means Digest:KnownProxies names the loopback addresses.
/// </summary>
public sealed class ReverseProxyTests
{
    // Both loopbacks: the client may reach "localhost" over either.
    const string Trusted = "127.0.0.1,::1";
    const string SomeOtherProxy = "192.0.2.10";

    static async Task<(DigestApp App, HttpClient Http)> StartAsync(string knownProxy, string? publicUrl = null)
    {
        var app = new DigestApp(await TestPostgres.CreateDatabaseAsync(), new Dictionary<string, string?>
        {
            ["Digest:DataDir"] = Path.Combine(Path.GetTempPath(), "digest-tests", "proxy-" + Guid.NewGuid().ToString("N")[..8]),
            ["Digest:KnownProxies:0"] = knownProxy.Split(',')[0],
            ["Digest:KnownProxies:1"] = knownProxy.Split(",").ElementAtOrDefault(1) ?? "",
            ["Digest:PublicUrl"] = publicUrl,
            ["Subscriptions:RequestsPerClientPerMinute"] = "2",
        });
        var http = new HttpClient { BaseAddress = app.StartOnLoopback() };
        return (app, http);
    }

    /// <summary>One rate-limited request per forwarded address, one after the other.</summary>
    static async Task<List<HttpStatusCode>> PreviewsAsync(HttpClient http, params string[] forwardedFor)
    {
        var answers = new List<HttpStatusCode>();
        foreach (var visitor in forwardedFor)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/preview?topics=diffusion", UriKind.Relative));
            request.Headers.Add("X-Forwarded-For", visitor);
            answers.Add((await http.SendAsync(request)).StatusCode);
        }
        return answers;
    }

    [Test]
    public async Task From_a_known_proxy_each_forwarded_client_has_its_own_rate_limit()
    {
        var (app, http) = await StartAsync(Trusted);
        await using var _ = app;
        using var __ = http;

        var visitors = await PreviewsAsync(http, "203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4");
        var sameVisitor = await PreviewsAsync(http, "198.51.100.7", "198.51.100.7", "198.51.100.7");

        Assert.That(visitors, Is.All.EqualTo(HttpStatusCode.OK), "four visitors, two requests' allowance each");
        Assert.That(sameVisitor, Is.EqualTo(new[] { HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests }));
    }

    [Test]
    public async Task From_an_unknown_peer_forwarded_headers_are_ignored_and_the_peer_is_the_client()
    {
        var (app, http) = await StartAsync(SomeOtherProxy);
        await using var _ = app;
        using var __ = http;

        var forged = await PreviewsAsync(http, "203.0.113.1", "203.0.113.2", "203.0.113.3");

        Assert.That(forged, Is.EqualTo(new[] { HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests }),
            "rotating a forged header does not buy a new allowance");
    }

    [TestCase(Trusted, HttpStatusCode.Forbidden, TestName = "Metrics_through_a_known_proxy_are_a_visitors_request_and_refused")]
    [TestCase(SomeOtherProxy, HttpStatusCode.OK, TestName = "Metrics_with_a_forged_forwarded_header_are_still_the_loopback_peers")]
    public async Task Metrics_see_the_forwarded_client_only_from_a_known_proxy(string knownProxy, HttpStatusCode expected)
    {
        var (app, http) = await StartAsync(knownProxy);
        await using var _ = app;
        using var __ = http;
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/metrics", UriKind.Relative));
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");

        var response = await http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(expected));
    }

    [Test]
    public async Task With_an_https_public_url_pages_send_HSTS_and_cookies_are_Secure()
    {
        var (app, http) = await StartAsync(Trusted, "https://digest.example.org/");
        await using var _ = app;
        using var __ = http;

        var response = await SubscribeFormAsync(http);

        Assert.That(response.Headers.TryGetValues("Strict-Transport-Security", out var hsts), Is.True);
        Assert.That(hsts!.Single(), Does.Contain("max-age=15552000"));
        Assert.That(response.Headers.GetValues("Set-Cookie"), Is.Not.Empty.And.All.Contain("secure"));
    }

    [Test]
    public async Task With_an_http_public_url_there_is_no_HSTS_and_cookies_are_not_marked_Secure()
    {
        var (app, http) = await StartAsync(Trusted, "http://digest.example.org/");
        await using var _ = app;
        using var __ = http;

        var response = await SubscribeFormAsync(http);

        Assert.That(response.Headers.Contains("Strict-Transport-Security"), Is.False);
        Assert.That(response.Headers.GetValues("Set-Cookie"), Is.Not.Empty.And.None.Contain("secure"));
    }

    [Test]
    public async Task A_known_proxy_that_is_not_an_address_stops_the_start_with_a_clear_message()
    {
        var (exitCode, output) = await DigestProcess.RunAsync(["stats"], new Dictionary<string, string?>
        {
            ["ConnectionStrings__Postgres"] = await TestPostgres.CreateDatabaseAsync(),
            ["Digest__KnownProxies__0"] = "proxy.internal",
        });

        Assert.That(exitCode, Is.EqualTo(1), output);
        Assert.That(output, Does.Contain("Digest:KnownProxies: 'proxy.internal' is not an IP address"));
    }

    /// <summary>The subscribe form (it sets the antiforgery cookie) as the proxy passes it on: the public host, over https.</summary>
    static async Task<HttpResponseMessage> SubscribeFormAsync(HttpClient http)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/subscribe", UriKind.Relative));
        request.Headers.Host = "digest.example.org";
        request.Headers.Add("X-Forwarded-For", "203.0.113.5");
        request.Headers.Add("X-Forwarded-Proto", "https");
        var response = await http.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        return response;
    }
}

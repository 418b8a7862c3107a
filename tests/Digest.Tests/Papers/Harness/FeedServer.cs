using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Digest.Tests.Papers.Harness;

/// <summary>
/// The internet, faked: Kestrel in process on 127.0.0.1, answering the feed requests a test sets
/// up (fixture files written from the documented shapes) and recording every request it gets.
/// Unmatched requests get 404, so a test notices a request it did not expect.
/// </summary>
public sealed class FeedServer : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly List<Func<HttpRequest, Reply?>> _routes = [];
    readonly ConcurrentQueue<Received> _received = new();

    FeedServer(WebApplication app)
    {
        _app = app;
        app.Run(ServeAsync);
    }

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Every request so far, in arrival order.</summary>
    public IReadOnlyList<Received> Requests => _received.ToList();

    public static async Task<FeedServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var server = new FeedServer(builder.Build());
        await server._app.StartAsync();
        var address = server._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.BaseUrl = new Uri(address + "/");
        return server;
    }

    /// <summary>
    /// Answers requests to <paramref name="path"/> whose query satisfies <paramref name="when"/>: the
    /// first such request gets the first reply, the next the second, and the last reply repeats.
    /// Later routes are tried first.
    /// </summary>
    public FeedServer On(string path, Func<IQueryCollection, bool> when, params Reply[] replies)
    {
        var served = 0;
        return On(request =>
        {
            if (request.Path != path || !when(request.Query))
                return null;
            var index = Interlocked.Increment(ref served) - 1;
            return replies[Math.Min(index, replies.Length - 1)];
        });
    }

    public FeedServer On(Func<HttpRequest, Reply?> route)
    {
        lock (_routes)
            _routes.Insert(0, route);
        return this;
    }

    /// <summary>Hugging Face daily papers for one day, page by page; pages past the last answer an empty array.</summary>
    /// <summary>
    /// The fixture week most tests start from: Friday 2025-09-05 and Monday 09-08 from the fixture
    /// files, an empty weekend between them; with <paramref name="arxiv"/>, the two arXiv pages too.
    /// </summary>
    public FeedServer FixtureWeek(bool arxiv = false)
    {
        HuggingFaceDay("2025-09-05", Fixtures.Read("huggingface/2025-09-05.json"))
            .HuggingFaceDay("2025-09-06", "[]")
            .HuggingFaceDay("2025-09-07", "[]")
            .HuggingFaceDay("2025-09-08", Fixtures.Read("huggingface/2025-09-08.json"));
        return arxiv ? ArxivPages(Fixtures.Read("arxiv/page-0.xml"), Fixtures.Read("arxiv/page-1.xml")) : this;
    }

    public FeedServer HuggingFaceDay(string day, params string[] pages) =>
        On(request => request.Path == "/api/daily_papers" && request.Query["date"] == day
            ? Reply.Json(int.TryParse(request.Query["p"], out var page) && page < pages.Length ? pages[page] : "[]")
            : null);

    /// <summary>arXiv API answers by result offset (the query's <c>start</c>).</summary>
    public FeedServer ArxivPages(params string[] pages) =>
        On(request => request.Path == "/api/query"
            ? Reply.Xml(PageFor(request, pages))
            : null);

    static string PageFor(HttpRequest request, string[] pages)
    {
        var start = int.Parse(request.Query["start"]!, System.Globalization.CultureInfo.InvariantCulture);
        var size = int.Parse(request.Query["max_results"]!, System.Globalization.CultureInfo.InvariantCulture);
        return start / size < pages.Length ? pages[start / size] : Fixtures.EmptyAtom;
    }

    public int CountOf(string path) => Requests.Count(r => r.Path == path);

    async Task ServeAsync(HttpContext context)
    {
        _received.Enqueue(new Received(context.Request.Path, context.Request.QueryString.Value ?? "", Stopwatch.GetTimestamp()));
        Reply? reply;
        lock (_routes)
            reply = _routes.Select(route => route(context.Request)).FirstOrDefault(r => r is not null);
        reply ??= Reply.Status(HttpStatusCode.NotFound);
        if (reply.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(reply.Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        context.Response.StatusCode = (int)reply.StatusCode;
        foreach (var (name, value) in reply.Headers)
            context.Response.Headers[name] = value;
        context.Response.ContentType = reply.ContentType;
        var body = Encoding.UTF8.GetBytes(reply.Body);
        if (reply.StallsBody)
        {
            // The headers and the first half of the body, promising the rest, and then nothing.
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body.AsMemory(0, body.Length / 2));
            await context.Response.Body.FlushAsync();
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
            return;
        }
        await context.Response.Body.WriteAsync(body);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One request the server received; the timestamp is <see cref="Stopwatch"/> ticks.</summary>
public sealed record Received(string Path, string Query, long At);

/// <summary>An answer, optionally sent only after a delay (a server that hangs).</summary>
public sealed record Reply(HttpStatusCode StatusCode, string Body, string ContentType, IReadOnlyDictionary<string, string> Headers, TimeSpan Delay)
{
    public static Reply Json(string body) => new(HttpStatusCode.OK, body, "application/json; charset=utf-8", new Dictionary<string, string>(), TimeSpan.Zero);
    public static Reply Xml(string body) => new(HttpStatusCode.OK, body, "application/atom+xml; charset=utf-8", new Dictionary<string, string>(), TimeSpan.Zero);
    public static Reply Status(HttpStatusCode status, string body = "") => new(status, body, "text/plain", new Dictionary<string, string>(), TimeSpan.Zero);
    public static Reply TooManyRequests(int retryAfterSeconds) =>
        Status(HttpStatusCode.TooManyRequests) with { Headers = new Dictionary<string, string> { ["Retry-After"] = $"{retryAfterSeconds}" } };

    public Reply After(TimeSpan delay) => this with { Delay = delay };

    /// <summary>Sends the headers and half the body at once, then stalls until the client gives up.</summary>
    public bool StallsBody { get; init; }

    public Reply ThenStall() => this with { StallsBody = true };
}

using System.Net;
using Dapper;
using Digest.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Digest.Subscriptions.Tests.Harness;

/// <summary>
/// The real service in process on a fresh database, with a clock the test moves, a data folder of
/// its own (the mail pickup folder is in it), every log line kept, and a way to say which client
/// address a request comes from (the in-memory server has none).
/// </summary>
public sealed class TestService : IAsyncDisposable
{
    public const string ClientAddressHeader = "X-Test-Client-Address";

    readonly DigestApp _app;

    TestService(DigestApp app, WebApplicationFactory<Program> factory, string connectionString, string dataFolder)
    {
        _app = app;
        Factory = factory;
        ConnectionString = connectionString;
        DataFolder = dataFolder;
    }

    public WebApplicationFactory<Program> Factory { get; }
    public ManualClock Clock { get; } = new();
    public LogCapture Logs { get; } = new();
    public string ConnectionString { get; }
    public string DataFolder { get; }
    public IServiceProvider Services => Factory.Services;

    /// <summary>Digest:PublicUrl is https.</summary>
    bool Secure => Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Digest.Subscriptions.Site.SiteOptions>>().Value.IsHttps;

    /// <summary>Where a browser reaches the service, when started with <c>onLoopback</c>.</summary>
    public Uri? BaseAddress { get; private set; }

    /// <param name="settings">Configuration on top of the test defaults (generous rate limits, no response padding, fast polling).</param>
    /// <param name="onLoopback">Listen on a loopback port (Kestrel) instead of in memory, for a browser.</param>
    public static async Task<TestService> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, bool onLoopback = false)
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var dataFolder = Path.Combine(Path.GetTempPath(), "digest-subscriptions-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataFolder);
        var all = new Dictionary<string, string?>
        {
            ["Digest:DataDir"] = dataFolder,
            ["Subscriptions:SubmitsPerClient"] = "100000",
            ["Subscriptions:RequestsPerClientPerMinute"] = "100000",
            ["Subscriptions:SubmitResponseTime"] = "00:00:00",
            ["Outbox:PollInterval"] = "00:00:00.100",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            all[key] = value;
        // The configured Urls (appsettings: localhost:5080) would win over UseKestrel's port.
        var port = FreePort.Next();
        if (onLoopback)
            all["Urls"] = $"http://127.0.0.1:{port}";
        var app = new DigestApp(connectionString, all);
        TestService? service = null;
        var factory = app.WithWebHostBuilder(web => web.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(service!.Clock);
            services.AddSingleton<ILoggerProvider>(service.Logs);
            services.AddSingleton<IStartupFilter, ClientAddressFromHeader>();
        }));
        service = new TestService(app, factory, connectionString, dataFolder);
        if (onLoopback)
        {
            factory.UseKestrel(port);
            factory.StartServer();
            service.BaseAddress = factory.ClientOptions.BaseAddress;
        }
        else
        {
            _ = factory.Server; // start it now, so that a broken start fails here
        }
        return service;
    }

    /// <summary>A client that keeps cookies and does not follow redirects, so a test sees each answer.</summary>
    public HttpClient Client(string? clientAddress = null)
    {
        // On loopback the factory's own client follows redirects whatever it is told; a plain one does not.
        var client = BaseAddress is null
            ? Factory.CreateClient(new WebApplicationFactoryClientOptions
            {
                AllowAutoRedirect = false,
                HandleCookies = true,
                // A site whose public URL is https marks its cookies Secure: talk to it over https, as a browser would.
                BaseAddress = new Uri(Secure ? "https://localhost/" : "http://localhost/"),
            })
            : new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true }) { BaseAddress = BaseAddress };
        if (clientAddress is not null)
            client.DefaultRequestHeaders.Add(ClientAddressHeader, clientAddress);
        return client;
    }

    public T Service<T>() where T : notnull => Services.GetRequiredService<T>();

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async Task<T> ScalarAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = await OpenAsync();
        return await connection.ExecuteScalarAsync<T>(sql, parameters) ?? throw new InvalidOperationException($"No value from: {sql}");
    }

    public async Task ExecuteAsync(string sql, object? parameters = null)
    {
        await using var connection = await OpenAsync();
        await connection.ExecuteAsync(sql, parameters);
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(DataFolder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Lets a test say which client a request comes from, for the per-client rate limits.</summary>
    sealed class ClientAddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((HttpContext context, RequestDelegate nextMiddleware) =>
            {
                if (IPAddress.TryParse(context.Request.Headers[ClientAddressHeader], out var address))
                    context.Connection.RemoteIpAddress = address;
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}

using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Digest.TestSupport;

/// <summary>
/// The real service, in process, against a test database. In-memory HTTP by default; after
/// <see cref="WebApplicationFactory{T}.UseKestrel()"/> it listens on a loopback port a browser can reach.
/// </summary>
public sealed class DigestApp(string connectionString, IReadOnlyDictionary<string, string?>? settings = null)
    : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Postgres", connectionString);
        // Tests never reach the internet: remote paper sources stay off unless a test points them at
        // a loopback fixture server (Papers:Offline=false and their BaseUrl).
        builder.UseSetting("Papers:Offline", "true");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            builder.UseSetting(key, value);
    }

    /// <summary>Starts the app on a free loopback port and returns its base address.</summary>
    public Uri StartOnLoopback()
    {
        UseKestrel(FreePort.Next());
        StartServer();
        return ClientOptions.BaseAddress;
    }
}

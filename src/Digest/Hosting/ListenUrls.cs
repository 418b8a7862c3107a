namespace Digest.Hosting;

/// <summary>Where the web server listens when nothing says otherwise.</summary>
internal static class ListenUrls
{
    public const string Default = "http://localhost:5080";

    // What ASPNETCORE_URLS / URLS / --urls, ASPNETCORE_HTTP_PORTS and ASPNETCORE_HTTPS_PORTS become in configuration.
    static readonly string[] StandardKeys = ["urls", "http_ports", "https_ports"];

    /// <summary>
    /// The friendly default for a first run, applied only when none of the standard ASP.NET Core
    /// settings (nor Kestrel:Endpoints) names an address: as a value in appsettings.json it would
    /// outrank the environment variables every container and systemd unit sets.
    /// </summary>
    public static void DefaultUnlessConfigured(WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (StandardKeys.Any(key => !string.IsNullOrWhiteSpace(configuration[key])) || configuration.GetSection("Kestrel:Endpoints").Exists())
            return;
        builder.WebHost.UseUrls(Default);
    }
}

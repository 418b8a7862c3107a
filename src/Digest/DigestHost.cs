using Digest.Database;
using Digest.Hosting;

namespace Digest;

/// <summary>The composition root: the whole application, top to bottom.</summary>
public static class DigestHost
{
    /// <param name="joinRunningService">
    /// For the verbs: on the embedded default, a data folder owned by a running service is joined
    /// (its PostgreSQL, through its socket) instead of refused. The service itself never joins.
    /// </param>
    public static async Task<WebApplication> BuildAsync(string[] args, bool joinRunningService = false, CancellationToken cancellationToken = default)
    {
        // Content (appsettings, templates) ships beside the binary, so the host must not depend on the
        // directory it was started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        ListenUrls.DefaultUnlessConfigured(builder);
        // Runs before any registration: with no ConnectionStrings:Postgres every Add… below (Quartz's
        // store too) must see the embedded cluster's, so it is started (or joined) now.
        await builder.StartUnlessConfiguredAsync(joinRunningService, cancellationToken);
        builder.AddDigest();

        var app = builder.Build();
        app.UseReverseProxy();
        // The subscription pages' per-client limits (policies registered by AddSubscriptions).
        app.UseRateLimiter();
        app.MapDigestEndpoints();
        return app;
    }
}

namespace Digest;

/// <summary>The composition root: one Add… and one Map… per project.</summary>
public static class DigestHost
{
    public static WebApplication Build(string[] args)
    {
        // Content (appsettings, templates) ships beside the binary, so the host must not depend on the
        // directory it was started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.AddDigest();
        var app = builder.Build();
        // The subscription pages' per-client limits (policies registered by AddSubscriptions).
        app.UseRateLimiter();
        app.MapDigestEndpoints();
        return app;
    }
}

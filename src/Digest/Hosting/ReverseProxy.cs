using System.Net;
using Digest.Subscriptions.Site;
using Microsoft.AspNetCore.CookiePolicy;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Digest.Hosting;

/// <summary>
/// Running behind nginx or Caddy. X-Forwarded-For/-Proto are believed only from the peers named in
/// Digest:KnownProxies / Digest:KnownNetworks (anyone else could forge them to dodge the per-client
/// rate limits); from those, the connection's remote address becomes the client's, so the rate
/// limits and the /metrics loopback rule see the visitor, not the proxy. With an https public URL
/// the site sends HSTS and marks every cookie Secure.
/// </summary>
public static class ReverseProxy
{
    public static IHostApplicationBuilder AddReverseProxy(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<SiteOptions>>((forwarded, site) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // The framework trusts loopback by default; here only what the operator names.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in site.Value.Proxies)
                forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
            foreach (var network in site.Value.Networks)
                forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        });
        builder.Services.AddHsts(hsts => hsts.MaxAge = TimeSpan.FromDays(180));
        return builder;
    }

    /// <summary>First in the pipeline, so that everything after it sees the client and the scheme.</summary>
    public static WebApplication UseReverseProxy(this WebApplication app)
    {
        var site = app.Services.GetRequiredService<IOptions<SiteOptions>>().Value;
        if (site.Proxies.Any() || site.Networks.Any())
            app.UseForwardedHeaders();
        if (site.IsHttps)
        {
            app.UseHsts();
            app.UseCookiePolicy(new CookiePolicyOptions { Secure = CookieSecurePolicy.Always });
        }
        return app;
    }
}

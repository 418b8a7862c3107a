using Digest.Mailer;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Digest.Subscriptions.Site;

/// <summary>
/// Makes the absolute URLs that go into mail and the From they go out with. Links never take their
/// host from the request (a forged Host header would otherwise put an attacker's site into a
/// confirmation mail); they come from Digest:PublicUrl, or the address the service listens on.
/// </summary>
public sealed class PublicSite(IOptions<SiteOptions> options, IServer server, IConfiguration configuration)
{
    const string FallbackUrl = "http://localhost:5080/";

    public MailboxAddress From { get; } = SiteOptions.TryParseFrom(options.Value.From, out var from, out var error)
        ? from
        : throw new OptionsValidationException(SiteOptions.Section, typeof(SiteOptions), [error]);

    /// <summary>The base URL, ending in a slash.</summary>
    public Uri BaseUrl
    {
        get
        {
            if (!string.IsNullOrWhiteSpace(options.Value.PublicUrl) && SiteOptions.TryParsePublicUrl(options.Value.PublicUrl, out var configured))
                return configured;
            // Not cached: before the server starts it has no addresses yet, afterwards it has its real ones.
            var listening = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var configuredUrls = (configuration["Urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var candidate in listening.Concat(configuredUrls))
            {
                if (SiteOptions.TryParsePublicUrl(WithoutWildcardHost(candidate), out var url))
                    return url;
            }
            return new Uri(FallbackUrl);
        }
    }

    /// <summary>An absolute URL for a path of this site ("manage/abc").</summary>
    public Uri Url(string path) => new(BaseUrl, path.TrimStart('/'));

    /// <summary>"http://+:80", "http://*:80", "http://0.0.0.0:80" and "http://[::]:80" listen everywhere; a link needs a name.</summary>
    static string WithoutWildcardHost(string url)
    {
        foreach (var wildcard in (string[])["://+:", "://*:", "://0.0.0.0:", "://[::]:"])
        {
            if (url.Contains(wildcard, StringComparison.Ordinal))
                return url.Replace(wildcard, "://localhost:", StringComparison.Ordinal);
        }
        return url;
    }
}

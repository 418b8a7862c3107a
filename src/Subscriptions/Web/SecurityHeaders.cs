using Microsoft.AspNetCore.Http;

namespace Digest.Subscriptions.Web;

/// <summary>
/// The headers every page carries. The CSP allows only this site's own script, style and fetches,
/// which is why no page has inline code. "no-referrer" keeps the tokens in manage and unsubscribe
/// URLs from leaking to other sites; "no-store" keeps pages with a subscriber's data out of caches.
/// </summary>
public static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static void Apply(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()";
        headers.CacheControl = "no-store";
    }

    /// <summary>Applies the headers to every endpoint of the group it is added to.</summary>
    public sealed class Filter : IEndpointFilter
    {
        public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        {
            Apply(context.HttpContext.Response);
            return next(context);
        }
    }
}

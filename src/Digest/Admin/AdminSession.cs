using System.Security.Cryptography;
using System.Text;
using Digest.Subscriptions.Site;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Digest.Admin;

/// <summary>
/// The console's sign-in: a cookie scoped to /admin (HttpOnly, SameSite=Strict, Secure when the
/// public URL is https) holding a data-protected, time-limited ticket. The keys live in the database,
/// so every instance accepts it. The ticket names the password hash it was issued under: setting a
/// new password signs everyone out.
/// </summary>
internal sealed class AdminSession(IDataProtectionProvider protection, IOptions<AdminOptions> options, PublicSite site, TimeProvider clock)
{
    public const string CookieName = "digest-admin";
    public const string Path = "/admin";

    readonly ITimeLimitedDataProtector _protector = protection.CreateProtector("Digest.Admin.Session").ToTimeLimitedDataProtector();

    public bool IsSignedIn(HttpContext http)
    {
        if (http.Request.Cookies[CookieName] is not { Length: > 0 } cookie)
            return false;
        try
        {
            var ticket = _protector.Unprotect(cookie, out var expires);
            return expires > clock.GetUtcNow() && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(ticket), Encoding.UTF8.GetBytes(Ticket()));
        }
        catch (CryptographicException)
        {
            // Forged, from another deployment, or its key is gone: not signed in.
            return false;
        }
    }

    public void SignIn(HttpContext http)
    {
        var lifetime = options.Value.SessionLifetime;
        http.Response.Cookies.Append(CookieName, _protector.Protect(Ticket(), clock.GetUtcNow() + lifetime), Cookie(lifetime));
    }

    public void SignOut(HttpContext http) => http.Response.Cookies.Delete(CookieName, Cookie(null));

    CookieOptions Cookie(TimeSpan? lifetime) => new()
    {
        Path = Path,
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = site.BaseUrl.Scheme == Uri.UriSchemeHttps,
        MaxAge = lifetime,
        IsEssential = true,
    };

    string Ticket() => "admin:" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(options.Value.PasswordHash ?? "")))[..16];

    /// <summary>
    /// In front of every console page but the sign-in: without a session a page is a redirect to the
    /// sign-in (a form post, 401), never data.
    /// </summary>
    public sealed class Required(AdminSession session) : IEndpointFilter
    {
        public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        {
            var http = context.HttpContext;
            if (session.IsSignedIn(http))
                return await next(context);
            return HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method)
                ? TypedResults.Redirect(AdminPaths.SignIn)
                : TypedResults.Unauthorized();
        }
    }
}

/// <summary>The console's addresses, in one place for the pages, the redirects and the tests.</summary>
internal static class AdminPaths
{
    public const string Overview = "/admin";
    public const string SignIn = "/admin/sign-in";
    public const string SignOut = "/admin/sign-out";
    public const string Suppressions = "/admin/suppressions";
    public const string Lift = "/admin/suppressions/lift";
    public const string Failures = "/admin/failures";
}

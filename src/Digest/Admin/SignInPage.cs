using System.Globalization;
using Digest.Subscriptions.Settings;
using Digest.Subscriptions.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Digest.Admin;

/// <summary>/admin/sign-in: one password field. Wrong passwords count toward a lockout of the client's address.</summary>
internal static class SignInPage
{
    public static async Task<IResult> Show(HttpContext http, Pages pages, IAntiforgery antiforgery, AdminSession session, SignInGuard guard, CancellationToken cancellationToken)
    {
        if (session.IsSignedIn(http))
            return TypedResults.Redirect(AdminPaths.Overview);
        var standing = await guard.StandingAsync(Client(http), cancellationToken);
        return Render(http, pages, antiforgery, standing, problem: null);
    }

    public static async Task<IResult> SignIn(
        HttpContext http, Pages pages, IAntiforgery antiforgery, AdminSession session, SignInGuard guard, CancellationToken cancellationToken)
    {
        var password = http.Request.Form["password"].ToString();
        var (signedIn, standing) = await guard.TryAsync(Client(http), password, cancellationToken);
        if (signedIn)
        {
            session.SignIn(http);
            return TypedResults.Redirect(AdminPaths.Overview);
        }
        var problem = standing.AttemptsLeft == 1
            ? "That is not the password. One more wrong attempt locks sign-in from this address for a while."
            : $"That is not the password. {standing.AttemptsLeft.ToString(CultureInfo.InvariantCulture)} attempts left before sign-in from this address is locked for a while.";
        return Render(http, pages, antiforgery, standing, problem);
    }

    public static IResult SignOut(HttpContext http, AdminSession session)
    {
        session.SignOut(http);
        return TypedResults.Redirect(AdminPaths.SignIn);
    }

    static ContentHttpResult Render(HttpContext http, Pages pages, IAntiforgery antiforgery, SignInStanding standing, string? problem)
    {
        http.Response.Headers["X-Robots-Tag"] = "noindex, nofollow";
        var locked = standing.LockedUntil is { } until
            ? $"Too many wrong passwords from this address: sign-in is locked until {until.UtcDateTime.ToString("HH:mm", CultureInfo.InvariantCulture)} UTC."
            : null;
        var status = locked is not null ? StatusCodes.Status429TooManyRequests
            : problem is not null ? StatusCodes.Status401Unauthorized
            : StatusCodes.Status200OK;
        if (locked is not null)
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling((standing.LockedUntil!.Value - DateTimeOffset.UtcNow).TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return pages.Render("admin/sign-in", new { Problem = locked ?? problem, Locked = locked is not null, Antiforgery = AntiforgeryField.For(http, antiforgery) }, status);
    }

    static string Client(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}

using Digest.Subscriptions.Web;

namespace Digest.Admin;

/// <summary>
/// The operator console under /admin, mapped only when Admin:PasswordHash is set (otherwise the
/// site's 404). One group with the pages' security headers, the site's form guard (antiforgery) on
/// every post, and one filter that requires the session on every page but the sign-in.
/// </summary>
internal static class AdminEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup(AdminPaths.Overview).AddEndpointFilter<SecurityHeaders.Filter>();
        admin.MapGet("/sign-in", SignInPage.Show);
        admin.MapPost("/sign-in", SignInPage.SignIn).AddEndpointFilter<FormGuard>();

        // The session is checked before the form: without one, a post is refused without being read.
        var signedIn = admin.MapGroup("").AddEndpointFilter<AdminSession.Required>();
        signedIn.MapGet("", OverviewPage.Show);
        signedIn.MapGet("/suppressions", SuppressionsPage.Show);
        signedIn.MapPost("/suppressions/lift", SuppressionsPage.Lift).AddEndpointFilter<FormGuard>();
        signedIn.MapGet("/failures", FailuresPage.Show);
        signedIn.MapPost("/sign-out", SignInPage.SignOut).AddEndpointFilter<FormGuard>();
    }
}

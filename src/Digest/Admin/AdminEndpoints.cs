using Digest.Subscriptions.Web;
using Microsoft.AspNetCore.Antiforgery;

namespace Digest.Admin;

/// <summary>
/// The operator console under /admin, mapped only when Admin:PasswordHash is set (otherwise the
/// site's 404). One group: the pages' security headers and a form check on every post; one filter
/// that requires the session on every page but the sign-in.
/// </summary>
internal static class AdminEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup(AdminPaths.Overview)
            .AddEndpointFilter<SecurityHeaders.Filter>()
            .AddEndpointFilter<FormCheck>();
        admin.MapGet("/sign-in", SignInPage.Show);
        admin.MapPost("/sign-in", SignInPage.SignIn);

        var signedIn = admin.MapGroup("").AddEndpointFilter<AdminSession.Required>();
        signedIn.MapGet("", OverviewPage.Show);
        signedIn.MapGet("/suppressions", SuppressionsPage.Show);
        signedIn.MapPost("/suppressions/lift", SuppressionsPage.Lift);
        signedIn.MapGet("/failures", FailuresPage.Show);
        signedIn.MapPost("/sign-out", SignInPage.SignOut);
    }

    /// <summary>Every console post is a form from a console page: antiforgery-checked, or refused with a page that says so.</summary>
    sealed class FormCheck(IAntiforgery antiforgery, Pages pages) : IEndpointFilter
    {
        public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        {
            var http = context.HttpContext;
            if (!HttpMethods.IsPost(http.Request.Method))
                return await next(context);
            if (!http.Request.HasFormContentType)
                return pages.Error(StatusCodes.Status415UnsupportedMediaType, "This is not a form submission", "Use the console's own pages.");
            try
            {
                if (!await antiforgery.IsRequestValidAsync(http))
                    return pages.Error(StatusCodes.Status400BadRequest, "Please try again",
                        "The form's security token was missing or out of date. Go back, reload the page and submit it again.");
            }
            catch (Exception e) when (e is InvalidDataException or BadHttpRequestException)
            {
                return pages.Error(StatusCodes.Status400BadRequest, "The form could not be read", "Go back and submit it again.");
            }
            return await next(context);
        }
    }
}

using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Digest.Subscriptions.Web;

/// <summary>
/// In front of every form post but the unsubscribe one (the operator console's too): the body must be a readable form and carry
/// a valid antiforgery token. Failures get a page that says what to do, not a bare 400.
/// </summary>
public sealed class FormGuard(IAntiforgery antiforgery, Pages pages) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!http.Request.HasFormContentType)
        {
            return pages.Error(StatusCodes.Status415UnsupportedMediaType, "This is not a form submission",
                "Submit the form from the page itself.", field: "form");
        }
        if (http.Request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true)
        {
            if (await UrlEncodedForm.ReadAsync(http.Request, http.RequestAborted) is not { } form)
                return TooLarge();
            // Antiforgery and the handlers read this collection; the body is not parsed again.
            http.Request.Form = form;
        }
        else
        {
            try
            {
                await http.Request.ReadFormAsync(http.RequestAborted);
            }
            catch (Exception e) when (e is InvalidDataException or BadHttpRequestException)
            {
                // A multipart body over the form reader's limits, or broken.
                return TooLarge();
            }
        }
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return pages.Error(StatusCodes.Status400BadRequest, "Please submit the form again",
                "The form's security token was missing or out of date: this happens when a page stays open for a long time, " +
                "or when cookies are blocked for this site. Go back, reload the page and submit the form again.", field: "form");
        }
        return await next(context);
    }

    ContentHttpResult TooLarge() => pages.Error(StatusCodes.Status400BadRequest, "The form could not be read",
        "The form was too large or malformed. Go back, check what you entered and submit it again.", field: "form");
}

using Digest.Templates;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Digest.Subscriptions.Web;

/// <summary>Server-rendered pages: templates/pages/{name}.hbs as an HTML response.</summary>
public sealed class Pages(TemplateRenderer templates)
{
    public const string HtmlContentType = "text/html; charset=utf-8";

    public ContentHttpResult Render(string page, object model, int statusCode = StatusCodes.Status200OK) =>
        TypedResults.Content(Html(page, model), HtmlContentType, statusCode: statusCode);

    /// <summary>The page's HTML, for a caller that sets more than the status (validators, say).</summary>
    public string Html(string page, object model) => templates.Render("pages/" + page, model);

    /// <param name="field">The form field the problem is about, when there is one: the page names it.</param>
    public ContentHttpResult Error(int statusCode, string title, string message, string? field = null) =>
        Render("error", new ErrorPage(title, message, field), statusCode);

    /// <summary>A link whose token is malformed, forged, revoked or about a subscriber who no longer exists: all look alike.</summary>
    public ContentHttpResult UnknownLink() => Error(StatusCodes.Status404NotFound,
        "This link does not work",
        "The link may be incomplete (mail programs sometimes cut long links), or it was replaced by newer links, or the subscription was deleted. " +
        "The newest mail from us has links that work.");

    /// <summary>429, with the wait in words (the Retry-After header is the caller's).</summary>
    public ContentHttpResult TooManyRequests(TimeSpan retryAfter) => Error(StatusCodes.Status429TooManyRequests,
        "Too many requests",
        $"We received too many requests from your network. Please wait {(retryAfter <= TimeSpan.FromMinutes(1) ? "a minute" : $"{Math.Ceiling(retryAfter.TotalMinutes):0} minutes")} and try again.");
}

internal sealed record ErrorPage(string Title, string Message, string? Field);

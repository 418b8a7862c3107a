using Digest.Subscriptions.Filters;
using Digest.Subscriptions.Settings;
using Digest.Subscriptions.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Digest.Subscriptions.Subscribe;

/// <summary>
/// The subscribe form at /subscribe (the home page is the day's papers), and the page every valid
/// submission ends on. <c>?topic=</c> fills the topics box: the papers site's "Subscribe to this
/// search" and "Subscribe to papers like this" links. POST / stays for forms rendered before the
/// form moved (an open tab, a cached page).
/// </summary>
internal static class SubscribeEndpoints
{
    public const string Path = "/subscribe";

    public static void Map(IEndpointRouteBuilder pages)
    {
        pages.MapGet(Path, Form);
        pages.MapPost(Path, Submit).AddEndpointFilter<FormGuard>().RequireRateLimiting(RateLimits.Submit);
        pages.MapPost("/", Submit).AddEndpointFilter<FormGuard>().RequireRateLimiting(RateLimits.Submit);
        pages.MapGet("/check-your-inbox", CheckYourInbox);
    }

    static ContentHttpResult Form(string? topic, HttpContext http, IAntiforgery antiforgery, Pages pages)
    {
        // Only a plausible topic is carried into the box; the form checks it like anything typed.
        var topics = topic is not null && topic.Length <= TopicList.MaxLength && FormText.FindUnacceptable(topic) is null ? topic.Trim() : "";
        var values = SubscriptionFormValues.Blank with { Topics = topics };
        return pages.Render("subscribe", new SubscribePage(FormView.For(http, antiforgery, values), GuessZone: true));
    }

    static async Task<Results<RedirectHttpResult, ContentHttpResult>> Submit(
        HttpContext http, IAntiforgery antiforgery, Pages pages, NpgsqlDataSource dataSource, SignUp signUp,
        TimeProvider clock, IOptionsMonitor<SubscriptionsOptions> options, CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        ParsedForm form;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
            form = await SubscriptionForm.ReadAsync(await http.Request.ReadFormAsync(cancellationToken), withEmail: true, connection, cancellationToken);
        if (form.Email is null || form.Settings is null)
        {
            return pages.Render("subscribe", new SubscribePage(FormView.For(http, antiforgery, form.Values, form.Errors), GuessZone: false),
                StatusCodes.Status400BadRequest);
        }

        await signUp.SubmitAsync(form.Email, form.Settings, cancellationToken);

        // New, pending, active or unsubscribed: the same redirect, no sooner than the configured
        // time, so neither the answer nor its timing says whether the address was known.
        var remaining = options.CurrentValue.SubmitResponseTime - clock.GetElapsedTime(started);
        if (remaining > TimeSpan.Zero)
            await Task.Delay(remaining, clock, cancellationToken);
        return TypedResults.Redirect("/check-your-inbox");
    }

    static ContentHttpResult CheckYourInbox(Pages pages) => pages.Render("check-your-inbox", new { });
}

/// <param name="GuessZone">Whether the page's script may replace the zone with the browser's (a fresh form only).</param>
internal sealed record SubscribePage(FormView Form, bool GuessZone);

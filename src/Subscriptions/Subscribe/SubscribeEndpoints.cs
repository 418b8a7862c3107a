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

/// <summary>The subscribe form at /, and the page every valid submission ends on.</summary>
internal static class SubscribeEndpoints
{
    public static void Map(IEndpointRouteBuilder pages)
    {
        pages.MapGet("/", Form);
        pages.MapPost("/", Submit).AddEndpointFilter<FormGuard>().RequireRateLimiting(RateLimits.Submit);
        pages.MapGet("/check-your-inbox", CheckYourInbox);
    }

    static ContentHttpResult Form(HttpContext http, IAntiforgery antiforgery, Pages pages) =>
        pages.Render("subscribe", new SubscribePage(FormView.For(http, antiforgery, SubscriptionFormValues.Blank), GuessZone: true));

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

using Dapper;
using Digest.Subscriptions.Filters;
using Digest.Subscriptions.Links;
using Digest.Subscriptions.Settings;
using Digest.Subscriptions.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Digest.Subscriptions.Manage;

/// <summary>
/// /manage/{token}, linked from every mail: change topics and schedule, pause and resume, get new
/// links (the old ones stop working), delete everything. The token is the authorisation; the
/// forms carry antiforgery tokens as well.
/// </summary>
internal static class ManageEndpoints
{
    public static void Map(IEndpointRouteBuilder pages)
    {
        pages.MapGet("/manage/{token}", Show).RequireRateLimiting(RateLimits.Requests);
        pages.MapPost("/manage/{token}", Save).AddEndpointFilter<FormGuard>().RequireRateLimiting(RateLimits.Submit);
        pages.MapPost("/manage/{token}/pause", Pause).AddEndpointFilter<FormGuard>().RequireRateLimiting(RateLimits.Requests);
        pages.MapPost("/manage/{token}/resume", Resume).AddEndpointFilter<FormGuard>().RequireRateLimiting(RateLimits.Requests);
        pages.MapPost("/manage/{token}/new-links", NewLinks).AddEndpointFilter<FormGuard>().RequireRateLimiting(RateLimits.Requests);
        pages.MapPost("/manage/{token}/delete", Delete).AddEndpointFilter<FormGuard>().RequireRateLimiting(RateLimits.Requests);
    }

    static async Task<ContentHttpResult> Show(
        string token, string? done, HttpContext http, IAntiforgery antiforgery, Pages pages, NpgsqlDataSource dataSource,
        SubscriptionLinks links, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await LinkedSubscriber.FindAsync(connection, links, token, LinkPurpose.Manage, cancellationToken) is not { } subscriber)
            return pages.UnknownLink();
        var topics = await SubscriberTopics.ReadAsync(connection, subscriber.Id, cancellationToken);
        var values = SubscriptionFormValues.Of(subscriber.Email,
            new SubscriptionSettings(topics, subscriber.Frequency, subscriber.Weekday, subscriber.DeliveryHour, subscriber.TimeZone));
        return await RenderAsync(http, antiforgery, pages, links, subscriber, token, values, new FieldErrors(), Notices.GetValueOrDefault(done ?? ""), cancellationToken);
    }

    static async Task<Results<RedirectHttpResult, ContentHttpResult>> Save(
        string token, HttpContext http, IAntiforgery antiforgery, Pages pages, NpgsqlDataSource dataSource, SubscriptionLinks links,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        const string Sql = """
            UPDATE subscribers
            SET frequency = @Frequency, weekday = @Weekday, delivery_hour = @DeliveryHour, time_zone = @TimeZone, updated_at = @Now
            WHERE id = @Id
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await LinkedSubscriber.FindAsync(connection, links, token, LinkPurpose.Manage, cancellationToken, transaction) is not { } subscriber)
            return pages.UnknownLink();
        var form = await SubscriptionForm.ReadAsync(await http.Request.ReadFormAsync(cancellationToken), withEmail: false, connection, cancellationToken);
        if (form.Settings is not { } settings)
        {
            return await RenderAsync(http, antiforgery, pages, links, subscriber, token, form.Values with { Email = subscriber.Email }, form.Errors, null,
                cancellationToken, StatusCodes.Status400BadRequest);
        }
        var now = clock.GetUtcNow();
        await connection.ExecuteAsync(new CommandDefinition(Sql, new
        {
            subscriber.Id, settings.Frequency, settings.Weekday, settings.DeliveryHour, settings.TimeZone, Now = now,
        }, transaction, cancellationToken: cancellationToken));
        await SubscriberTopics.ReplaceAsync(connection, transaction, subscriber.Id, settings.Topics, now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return Done(token, "saved");
    }

    static Task<Results<RedirectHttpResult, ContentHttpResult>> Pause(
        string token, Pages pages, NpgsqlDataSource dataSource, SubscriptionLinks links, TimeProvider clock, CancellationToken cancellationToken) =>
        ChangeStatusAsync(token, SubscriberStatus.Active, SubscriberStatus.Paused, "paused", pages, dataSource, links, clock, cancellationToken);

    static Task<Results<RedirectHttpResult, ContentHttpResult>> Resume(
        string token, Pages pages, NpgsqlDataSource dataSource, SubscriptionLinks links, TimeProvider clock, CancellationToken cancellationToken) =>
        ChangeStatusAsync(token, SubscriberStatus.Paused, SubscriberStatus.Active, "resumed", pages, dataSource, links, clock, cancellationToken);

    /// <summary>Pause and resume move only between active and paused: resuming must not undo an unsubscribe or a suppression.</summary>
    static async Task<Results<RedirectHttpResult, ContentHttpResult>> ChangeStatusAsync(
        string token, string from, string to, string done, Pages pages, NpgsqlDataSource dataSource, SubscriptionLinks links,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        const string Sql = """
            UPDATE subscribers
            SET status = @To, paused_at = CASE WHEN @To = 'paused' THEN @Now END, updated_at = @Now
            WHERE id = @Id AND status = @From
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await LinkedSubscriber.FindAsync(connection, links, token, LinkPurpose.Manage, cancellationToken) is not { } subscriber)
            return pages.UnknownLink();
        await connection.ExecuteAsync(new CommandDefinition(Sql, new { subscriber.Id, From = from, To = to, Now = clock.GetUtcNow() },
            cancellationToken: cancellationToken));
        return Done(token, done);
    }

    static async Task<Results<RedirectHttpResult, ContentHttpResult>> NewLinks(
        string token, Pages pages, NpgsqlDataSource dataSource, SubscriptionLinks links, TimeProvider clock, ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        const string Sql = """
            UPDATE subscribers SET link_generation = link_generation + 1, updated_at = @Now
            WHERE id = @Id AND link_generation = @LinkGeneration
            RETURNING link_generation
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await LinkedSubscriber.FindAsync(connection, links, token, LinkPurpose.Manage, cancellationToken) is not { } subscriber)
            return pages.UnknownLink();
        var generation = await connection.QuerySingleOrDefaultAsync<int?>(new CommandDefinition(Sql,
            new { subscriber.Id, subscriber.LinkGeneration, Now = clock.GetUtcNow() }, cancellationToken: cancellationToken));
        if (generation is not { } newGeneration)
            return pages.UnknownLink(); // someone else renewed them a moment ago: this link is already dead
        loggers.CreateLogger(typeof(ManageEndpoints)).LogInformation("Subscriber {SubscriberId} revoked their links", subscriber.Id);
        var fresh = await links.ForSubscriberAsync(subscriber.Id, newGeneration, cancellationToken);
        return Done(fresh.Manage.Segments[^1], "new-links");
    }

    static async Task<ContentHttpResult> Delete(
        string token, HttpContext http, IAntiforgery antiforgery, Pages pages, NpgsqlDataSource dataSource, SubscriptionLinks links,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await LinkedSubscriber.FindAsync(connection, links, token, LinkPurpose.Manage, cancellationToken) is not { } subscriber)
            return pages.UnknownLink();
        var form = await http.Request.ReadFormAsync(cancellationToken);
        if (form["confirm"] is not ["yes"])
        {
            var errors = new FieldErrors();
            errors.Add("confirm", "Tick the box to confirm that everything should be deleted.");
            var topics = await SubscriberTopics.ReadAsync(connection, subscriber.Id, cancellationToken);
            var values = SubscriptionFormValues.Of(subscriber.Email,
                new SubscriptionSettings(topics, subscriber.Frequency, subscriber.Weekday, subscriber.DeliveryHour, subscriber.TimeZone));
            return await RenderAsync(http, antiforgery, pages, links, subscriber, token, values, errors, null, cancellationToken, StatusCodes.Status400BadRequest);
        }
        // Topics links, confirmations and queued mail go with the row (ON DELETE CASCADE); topics
        // nobody else follows are removed by housekeeping.
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM subscribers WHERE id = @Id", new { subscriber.Id }, cancellationToken: cancellationToken));
        loggers.CreateLogger(typeof(ManageEndpoints)).LogInformation("Subscriber {SubscriberId} deleted their data", subscriber.Id);
        return pages.Render("deleted", new { });
    }

    static async Task<ContentHttpResult> RenderAsync(
        HttpContext http, IAntiforgery antiforgery, Pages pages, SubscriptionLinks links, Subscriber subscriber, string token,
        SubscriptionFormValues values, FieldErrors errors, string? notice, CancellationToken cancellationToken, int statusCode = StatusCodes.Status200OK)
    {
        var subscriberLinks = await links.ForSubscriberAsync(subscriber.Id, subscriber.LinkGeneration, cancellationToken);
        return pages.Render("manage", new ManagePage(
            subscriber.Email,
            subscriber.Status,
            token,
            FormView.For(http, antiforgery, values, errors),
            notice,
            subscriberLinks.Unsubscribe.AbsolutePath), statusCode);
    }

    static RedirectHttpResult Done(string token, string done) => TypedResults.Redirect($"/manage/{token}?done={done}");

    /// <summary>The message after each action; the ?done= value only picks one of these, never shows itself.</summary>
    static readonly Dictionary<string, string> Notices = new(StringComparer.Ordinal)
    {
        ["saved"] = "Your changes are saved.",
        ["paused"] = "Your digest is paused. Resume it whenever you like.",
        ["resumed"] = "Your digest is back on.",
        ["new-links"] = "You have new links: the ones in earlier mails no longer work. This page's address is your new manage link; the next digest brings it too.",
    };
}

internal sealed record ManagePage(string Email, string Status, string Token, FormView Form, string? Notice, string UnsubscribePath)
{
    public bool Active => Status == SubscriberStatus.Active;
    public bool Paused => Status == SubscriberStatus.Paused;
    public bool Unsubscribed => Status == SubscriberStatus.Unsubscribed;
    public bool Pending => Status == SubscriberStatus.Pending;
    public bool Suppressed => Status == SubscriberStatus.Suppressed;
}

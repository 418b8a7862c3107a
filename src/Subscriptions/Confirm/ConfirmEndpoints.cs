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

namespace Digest.Subscriptions.Confirm;

/// <summary>
/// The link in the confirmation mail. Opening it shows what is being confirmed and one button;
/// only the button (a POST) confirms. Mail scanners open links to check them, and a sign-up they
/// confirmed would prove nothing about the person's consent, which is what double opt-in is for.
/// </summary>
internal static class ConfirmEndpoints
{
    public static void Map(IEndpointRouteBuilder pages)
    {
        pages.MapGet("/confirm/{token}", Show).RequireRateLimiting(RateLimits.Requests);
        pages.MapPost("/confirm/{token}", Confirm).AddEndpointFilter<FormGuard>().RequireRateLimiting(RateLimits.Requests);
    }

    static async Task<ContentHttpResult> Show(
        string token, HttpContext http, IAntiforgery antiforgery, Pages pages, NpgsqlDataSource dataSource, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        const string Sql = """
            SELECT c.verifier_hash AS VerifierHash, c.expires_at AS ExpiresAt, c.subscriber_id AS SubscriberId,
                   s.email AS Email, s.frequency AS Frequency, s.weekday AS Weekday, s.delivery_hour AS DeliveryHour, s.time_zone AS TimeZone
            FROM confirmations c
            JOIN subscribers s ON s.id = c.subscriber_id
            WHERE c.selector = @Selector
            """;
        if (!ConfirmationToken.TryParse(token, out var presented))
            return UnknownLink(pages);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var pending = await connection.QuerySingleOrDefaultAsync<PendingConfirmation>(new CommandDefinition(
            Sql, new { presented.Selector }, cancellationToken: cancellationToken));
        if (pending is null || !presented.Matches(pending.VerifierHash))
            return UnknownLink(pages);
        if (pending.ExpiresAt <= clock.GetUtcNow().UtcDateTime)
            return Expired(pages);
        var topics = await SubscriberTopics.ReadAsync(connection, pending.SubscriberId, cancellationToken);
        return pages.Render("confirm", new ConfirmPage(
            pending.Email, topics.Select(t => t.ToString()).ToList(),
            SubscriptionSettings.Describe(pending.Frequency, pending.Weekday, pending.DeliveryHour, pending.TimeZone),
            AntiforgeryField.For(http, antiforgery)));
    }

    static async Task<ContentHttpResult> Confirm(
        string token, Pages pages, NpgsqlDataSource dataSource, SubscriptionLinks links, TimeProvider clock,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        // Deleting the row is what makes the link single-use; a wrong verifier rolls it back, so
        // someone who has only guessed a selector cannot spend another person's link.
        const string TakeSql = """
            DELETE FROM confirmations WHERE selector = @Selector
            RETURNING verifier_hash AS VerifierHash, expires_at AS ExpiresAt, subscriber_id AS SubscriberId
            """;
        const string ActivateSql = """
            UPDATE subscribers
            SET status = CASE WHEN status IN ('pending', 'unsubscribed', 'suppressed') THEN 'active' ELSE status END,
                confirmed_at = CASE WHEN status IN ('pending', 'unsubscribed', 'suppressed') THEN @Now ELSE confirmed_at END,
                unsubscribed_at = CASE WHEN status = 'unsubscribed' THEN NULL ELSE unsubscribed_at END,
                -- Following the link proves the mailbox takes mail again: its bounce record starts over.
                hard_failures = CASE WHEN status = 'suppressed' THEN 0 ELSE hard_failures END,
                suppressed_at = CASE WHEN status = 'suppressed' THEN NULL ELSE suppressed_at END,
                suppressed_reason = CASE WHEN status = 'suppressed' THEN NULL ELSE suppressed_reason END,
                updated_at = @Now
            WHERE id = @SubscriberId
            RETURNING id AS Id, email AS Email, status AS Status, frequency AS Frequency, weekday AS Weekday,
                      delivery_hour AS DeliveryHour, time_zone AS TimeZone, link_generation AS LinkGeneration;
            """;
        if (!ConfirmationToken.TryParse(token, out var presented))
            return UnknownLink(pages);
        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var taken = await connection.QuerySingleOrDefaultAsync<TakenConfirmation>(new CommandDefinition(
            TakeSql, new { presented.Selector }, transaction, cancellationToken: cancellationToken));
        if (taken is null || !presented.Matches(taken.VerifierHash))
        {
            await transaction.RollbackAsync(cancellationToken);
            return UnknownLink(pages);
        }
        if (taken.ExpiresAt <= now.UtcDateTime)
        {
            await transaction.CommitAsync(cancellationToken);
            return Expired(pages);
        }
        var subscriber = await connection.QuerySingleAsync<Subscriber>(new CommandDefinition(
            ActivateSql, new { taken.SubscriberId, Now = now }, transaction, cancellationToken: cancellationToken));
        // The sign-up is confirmed: its other links (from earlier submissions) have nothing left to do.
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM confirmations WHERE subscriber_id = @SubscriberId", new { taken.SubscriberId }, transaction, cancellationToken: cancellationToken));
        var topics = await SubscriberTopics.ReadAsync(connection, subscriber.Id, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        loggers.CreateLogger(typeof(ConfirmEndpoints)).LogInformation("Subscriber {SubscriberId} confirmed: {Status}", subscriber.Id, subscriber.Status);

        var subscriberLinks = await links.ForSubscriberAsync(subscriber.Id, subscriber.LinkGeneration, cancellationToken);
        return pages.Render("confirmed", new ConfirmedPage(
            subscriber.Email,
            topics.Select(t => t.ToString()).ToList(),
            SubscriptionSettings.Describe(subscriber.Frequency, subscriber.Weekday, subscriber.DeliveryHour, subscriber.TimeZone),
            subscriberLinks.Manage.AbsoluteUri));
    }

    static ContentHttpResult UnknownLink(Pages pages) => pages.Error(StatusCodes.Status404NotFound,
        "This confirmation link does not work",
        "It may have been used already, or cut short by your mail program. If you have not confirmed yet, subscribe again and use the newest link.");

    static ContentHttpResult Expired(Pages pages) => pages.Error(StatusCodes.Status410Gone,
        "This confirmation link has expired",
        "Confirmation links work for a limited time. Subscribe again and we will send you a new one.");

    sealed record PendingConfirmation(
        byte[] VerifierHash, DateTime ExpiresAt, long SubscriberId, string Email, string Frequency, short? Weekday, short DeliveryHour, string TimeZone);

    sealed record TakenConfirmation(byte[] VerifierHash, DateTime ExpiresAt, long SubscriberId);
}

internal sealed record ConfirmPage(string Email, IReadOnlyList<string> Topics, string Schedule, AntiforgeryField Antiforgery);

internal sealed record ConfirmedPage(string Email, IReadOnlyList<string> Topics, string Schedule, string ManageUrl);

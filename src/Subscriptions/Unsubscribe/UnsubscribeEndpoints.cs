using Dapper;
using Digest.Subscriptions.Links;
using Digest.Subscriptions.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Digest.Subscriptions.Unsubscribe;

/// <summary>
/// /unsubscribe/{token}. GET only shows a page with one button, because link scanners fetch every
/// URL in a mail and must not unsubscribe anyone. POST unsubscribes at once, whether it comes from
/// that button or from a mailbox provider's RFC 8058 one-click request (body
/// "List-Unsubscribe=One-Click", no cookies): the token is the authorisation, so this POST needs
/// no antiforgery token and ignores its body.
/// </summary>
internal static class UnsubscribeEndpoints
{
    public static void Map(IEndpointRouteBuilder pages)
    {
        pages.MapGet("/unsubscribe/{token}", Show).RequireRateLimiting(RateLimits.Requests);
        // Not behind the per-client request limit: only a token that does not verify counts (LinkGuessLimit).
        pages.MapPost("/unsubscribe/{token}", Unsubscribe).DisableAntiforgery();
    }

    static async Task<ContentHttpResult> Show(
        string token, Pages pages, NpgsqlDataSource dataSource, SubscriptionLinks links, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await LinkedSubscriber.FindAsync(connection, links, token, LinkPurpose.Unsubscribe, cancellationToken) is not { } subscriber)
            return pages.UnknownLink();
        return pages.Render("unsubscribe", new UnsubscribePage(subscriber.Email, token,
            AlreadyUnsubscribed: subscriber.Status is SubscriberStatus.Unsubscribed or SubscriberStatus.Suppressed));
    }

    static async Task<ContentHttpResult> Unsubscribe(
        string token, HttpContext http, Pages pages, NpgsqlDataSource dataSource, SubscriptionLinks links, LinkGuessLimit guesses,
        TimeProvider clock, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        // From this commit on, no instance sends this subscriber anything: delivery asks for the
        // status right before each send.
        const string Sql = """
            UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = @Now, paused_at = NULL, updated_at = @Now
            WHERE id = @Id AND status IN ('pending', 'active', 'paused')
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await LinkedSubscriber.FindAsync(connection, links, token, LinkPurpose.Unsubscribe, cancellationToken) is not { } subscriber)
        {
            if (guesses.TryCount(http))
                return pages.UnknownLink();
            http.Response.Headers.RetryAfter = "60";
            return pages.TooManyRequests(TimeSpan.FromMinutes(1));
        }
        var changed = await connection.ExecuteAsync(new CommandDefinition(Sql, new { subscriber.Id, Now = clock.GetUtcNow() }, cancellationToken: cancellationToken));
        if (changed > 0)
            loggers.CreateLogger(typeof(UnsubscribeEndpoints)).LogInformation("Subscriber {SubscriberId} unsubscribed", subscriber.Id);
        return pages.Render("unsubscribed", new { subscriber.Email });
    }
}

internal sealed record UnsubscribePage(string Email, string Token, bool AlreadyUnsubscribed);

using System.Net;
using Dapper;
using Digest.Subscriptions.Links;

namespace Digest.Subscriptions.Tests.Harness;

/// <summary>Shortcuts through the real pages: sign up, confirm, and the links a subscriber's mail carries.</summary>
public static class Subscribers
{
    public static Task<long> IdAsync(TestService service, string email) =>
        service.ScalarAsync<long>("SELECT id FROM subscribers WHERE lower(email) = lower(@email)", new { email });

    public static Task<string> StatusAsync(TestService service, string email) =>
        service.ScalarAsync<string>("SELECT status FROM subscribers WHERE lower(email) = lower(@email)", new { email });

    /// <summary>The path of the newest confirmation link mailed to the address ("/confirm/…").</summary>
    public static async Task<string> ConfirmationPathAsync(TestService service, string email, int mails = 1)
    {
        var mail = (await Inbox.WaitForAsync(service, email, mails)).Last(m => m.Subject.StartsWith("Confirm", StringComparison.Ordinal));
        return new Uri(mail.Link("/confirm/")).AbsolutePath;
    }

    /// <summary>Follows the confirmation link and presses its button, as a person would.</summary>
    public static async Task<HttpResponseMessage> ConfirmAsync(TestService service, HttpClient client, string email, int mails = 1)
    {
        var path = await ConfirmationPathAsync(service, email, mails);
        return await Forms.PostAsync(client, path, []);
    }

    /// <summary>Subscribes and confirms; returns the subscriber's id.</summary>
    public static async Task<long> ActiveAsync(TestService service, HttpClient client, string email, string topics = "diffusion models")
    {
        await Forms.SubscribeAsync(client, email, topics);
        using var confirmed = await ConfirmAsync(service, client, email);
        if (confirmed.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"Confirming {email} answered {(int)confirmed.StatusCode}");
        return await IdAsync(service, email);
    }

    public static async Task<SubscriberLinks> LinksAsync(TestService service, string email) =>
        await service.Service<SubscriptionLinks>().ForSubscriberAsync(await IdAsync(service, email))
        ?? throw new InvalidOperationException($"No subscriber {email}");

    public static async Task<int> OutboxCountAsync(TestService service, string email, string? kind = null)
    {
        await using var connection = await service.OpenAsync();
        return await connection.ExecuteScalarAsync<int>("""
            SELECT count(*) FROM outbox o JOIN subscribers s ON s.id = o.subscriber_id
            WHERE lower(s.email) = lower(@email) AND (@kind::text IS NULL OR o.kind = @kind)
            """, new { email, kind });
    }
}

using Dapper;
using Digest.Mailer;
using Digest.Subscriptions.Confirm;
using Digest.Subscriptions.Emails;
using Digest.Subscriptions.Filters;
using Digest.Subscriptions.Links;
using Digest.Subscriptions.Outbox;
using Digest.Subscriptions.Settings;
using Digest.Subscriptions.Site;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Digest.Subscriptions.Subscribe;

/// <summary>
/// What a valid subscribe form does, in one transaction. The page says the same whatever happens
/// here; what differs is only the mail, and it goes to the address's owner:
/// a new, pending, unsubscribed or suppressed address gets a confirmation link (it keeps its status
/// until the link is followed: following it proves the mailbox takes mail again), an active or
/// paused one a notice with its manage link. At most one such mail per address per AddressMailWindow.
/// </summary>
internal sealed class SignUp(
    NpgsqlDataSource dataSource,
    TransactionalOutbox outbox,
    TransactionalMail mail,
    SubscriptionLinks links,
    ReturnPaths returnPaths,
    PublicSite site,
    TimeProvider clock,
    IOptionsMonitor<SubscriptionsOptions> options,
    ILogger<SignUp> logger)
{
    public async Task SubmitAsync(MailboxAddress email, SubscriptionSettings settings, CancellationToken cancellationToken)
    {
        var rules = options.CurrentValue;
        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var subscriber = await InsertOrLockAsync(connection, transaction, email, settings, now, cancellationToken);
        var mayMail = subscriber.FormMailedAt is null || subscriber.FormMailedAt <= (now - rules.AddressMailWindow).UtcDateTime;
        var recipient = MailboxAddress.Parse(subscriber.Email);
        OutboxMail? queued = null;
        switch (subscriber.Status)
        {
            case SubscriberStatus.Pending or SubscriberStatus.Unsubscribed or SubscriberStatus.Suppressed:
                // Their choice as last submitted is what a confirmation will activate.
                await UpdateSettingsAsync(connection, transaction, subscriber.Id, settings, now, cancellationToken);
                await SubscriberTopics.ReplaceAsync(connection, transaction, subscriber.Id, settings.Topics, now, cancellationToken);
                if (mayMail)
                {
                    var token = await CreateConfirmationAsync(connection, transaction, subscriber.Id, now, rules.ConfirmationLifetime, cancellationToken);
                    queued = new OutboxMail(TransactionalMail.ConfirmationKind, subscriber.Id,
                        [SubscriberStatus.Pending, SubscriberStatus.Unsubscribed, SubscriberStatus.Suppressed],
                        mail.Confirmation(recipient, await returnPaths.ForTransactionalAsync(subscriber.Id, cancellationToken), site.Url("confirm/" + token.Text), settings, rules.ConfirmationLifetime));
                }
                break;
            case SubscriberStatus.Active or SubscriberStatus.Paused when mayMail:
                // Nothing changes for them: someone who is not them may have typed their address.
                var subscriberLinks = await links.ForSubscriberAsync(subscriber.Id, subscriber.LinkGeneration, cancellationToken);
                queued = new OutboxMail(TransactionalMail.AlreadySubscribedKind, subscriber.Id,
                    [SubscriberStatus.Active, SubscriberStatus.Paused], mail.AlreadySubscribed(recipient, await returnPaths.ForTransactionalAsync(subscriber.Id, cancellationToken), subscriberLinks.Manage));
                break;
        }
        if (queued is not null)
        {
            await outbox.EnqueueAsync(connection, transaction, queued, cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE subscribers SET form_mailed_at = @now WHERE id = @Id", new { now, subscriber.Id }, transaction, cancellationToken: cancellationToken));
        }
        await transaction.CommitAsync(cancellationToken);
        if (queued is not null)
            outbox.Wake();
        logger.LogInformation("Subscribe form for subscriber {SubscriberId} ({Status}): {Mail}",
            subscriber.Id, subscriber.Status, queued?.Kind ?? "no mail");
    }

    /// <summary>Adds the address as pending unless it exists, and locks its row either way.</summary>
    internal static async Task<Row> InsertOrLockAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, MailboxAddress email, SubscriptionSettings settings,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        const string InsertSql = """
            INSERT INTO subscribers (email, status, frequency, weekday, delivery_hour, time_zone, created_at, updated_at)
            VALUES (@Email, 'pending', @Frequency, @Weekday, @DeliveryHour, @TimeZone, @Now, @Now)
            ON CONFLICT ((lower(email))) DO NOTHING
            """;
        // A separate statement, so it sees the row a concurrent sign-up has just committed; the lock
        // serialises two submissions for one address.
        const string SelectSql = """
            SELECT id AS Id, email AS Email, status AS Status, form_mailed_at AS FormMailedAt, link_generation AS LinkGeneration
            FROM subscribers WHERE lower(email) = lower(@Email)
            FOR UPDATE
            """;
        var inserted = await connection.ExecuteAsync(new CommandDefinition(InsertSql, new
        {
            Email = email.Address, settings.Frequency, settings.Weekday, settings.DeliveryHour, settings.TimeZone, Now = now,
        }, transaction, cancellationToken: cancellationToken));
        var row = await connection.QuerySingleAsync<Row>(new CommandDefinition(SelectSql, new { Email = email.Address }, transaction, cancellationToken: cancellationToken));
        return row with { Added = inserted == 1 };
    }

    internal static Task<int> UpdateSettingsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long id, SubscriptionSettings settings, DateTimeOffset now, CancellationToken cancellationToken)
    {
        const string Sql = """
            UPDATE subscribers
            SET frequency = @Frequency, weekday = @Weekday, delivery_hour = @DeliveryHour, time_zone = @TimeZone, updated_at = @Now
            WHERE id = @Id
            """;
        return connection.ExecuteAsync(new CommandDefinition(Sql, new
        {
            Id = id, settings.Frequency, settings.Weekday, settings.DeliveryHour, settings.TimeZone, Now = now,
        }, transaction, cancellationToken: cancellationToken));
    }

    internal static async Task<ConfirmationToken> CreateConfirmationAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long subscriberId, DateTimeOffset now, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        const string Sql = """
            INSERT INTO confirmations (selector, verifier_hash, subscriber_id, created_at, expires_at)
            VALUES (@Selector, @VerifierHash, @SubscriberId, @Now, @ExpiresAt)
            """;
        var token = ConfirmationToken.Create();
        await connection.ExecuteAsync(new CommandDefinition(Sql, new
        {
            token.Selector, token.VerifierHash, SubscriberId = subscriberId, Now = now, ExpiresAt = now + lifetime,
        }, transaction, cancellationToken: cancellationToken));
        return token;
    }

    // timestamptz reads as a UTC DateTime.
    internal sealed record Row(long Id, string Email, string Status, DateTime? FormMailedAt, int LinkGeneration)
    {
        /// <summary>Whether this call added the address (it was new).</summary>
        public bool Added { get; init; }
    }
}

using Dapper;
using Digest.Mailer;
using Npgsql;

namespace Digest.Subscriptions.Outbox;

/// <summary>One transactional mail to queue.</summary>
/// <param name="Kind">What it is, for logs and the outbox record ("confirmation").</param>
/// <param name="SubscriberId">Whom it concerns: deleting their data deletes it, and their status decides whether it still goes out.</param>
/// <param name="SendIfStatus">The subscriber statuses under which it may still be sent at send time.</param>
/// <param name="Message">The rendered message; its Message-ID is kept for every attempt.</param>
/// <param name="DueAt">Not before this time (an import paces its confirmations); default at once.</param>
public sealed record OutboxMail(string Kind, long? SubscriberId, IReadOnlyList<string> SendIfStatus, EmailMessage Message, DateTimeOffset? DueAt = null);

/// <summary>
/// Queues transactional mail in the outbox table, inside the caller's transaction: the mail exists
/// if and only if what caused it was committed. Nothing is sent on the request path; the delivery
/// workers pick it up (at once on this instance, which is woken; within a poll elsewhere).
/// </summary>
public sealed class TransactionalOutbox(TimeProvider clock) : IDisposable
{
    readonly SemaphoreSlim _queued = new(0, 1);

    public async Task EnqueueAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, OutboxMail mail, CancellationToken cancellationToken)
    {
        const string Sql = """
            INSERT INTO outbox (kind, subscriber_id, send_if_status, message, due_at, created_at)
            VALUES (@Kind, @SubscriberId, @SendIfStatus, @Message::jsonb, @DueAt, @Now)
            """;
        var now = clock.GetUtcNow();
        await connection.ExecuteAsync(new CommandDefinition(Sql, new
        {
            mail.Kind,
            mail.SubscriberId,
            SendIfStatus = mail.SendIfStatus.ToArray(),
            Message = StoredMessage.Serialize(mail.Message),
            DueAt = mail.DueAt ?? now,
            Now = now,
        }, transaction, cancellationToken: cancellationToken));
    }

    /// <summary>Tells this instance's worker that mail is waiting; call it after the transaction commits.</summary>
    public void Wake()
    {
        // At most one pending wake-up: a worker that wakes drains everything that is due anyway.
        if (_queued.CurrentCount == 0)
        {
            try
            {
                _queued.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another thread woke it in between: just as good.
            }
        }
    }

    public void Dispose() => _queued.Dispose();

    /// <summary>Waits until <see cref="Wake"/> is called or the interval has passed.</summary>
    internal async Task WaitAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(interval, clock);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            await _queued.WaitAsync(either.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The poll interval passed.
        }
    }
}

namespace Digest.Subscriptions.Delivery;

/// <summary>
/// The states of a row in a leased queue (digest_issues, outbox), named once. Stored as the lower-case
/// word (<see cref="QueueStates.Name"/>); the tables' CHECK constraints list the same words.
/// </summary>
public enum QueueState
{
    /// <summary>Waiting for a (further) attempt at due_at; held by a claim while claimed_by is set.</summary>
    Queued,

    /// <summary>Accepted by the relay (or written to the pickup folder).</summary>
    Sent,

    /// <summary>Refused for good (a 5xx, or it could not be written at all).</summary>
    Failed,

    /// <summary>The connection was lost after the final dot twice: it may have arrived; never sent again.</summary>
    Unknown,

    /// <summary>Deferred for longer than the queue's GiveUpAfter.</summary>
    Expired,

    /// <summary>Not sent: the subscriber may no longer get it (unsubscribed, paused, suppressed).</summary>
    Cancelled,
}

public static class QueueStates
{
    /// <summary>The word the database stores.</summary>
    public static string Name(this QueueState state) => state switch
    {
        QueueState.Queued => "queued",
        QueueState.Sent => "sent",
        QueueState.Failed => "failed",
        QueueState.Unknown => "unknown",
        QueueState.Expired => "expired",
        QueueState.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    /// <summary>The word the database stores for a fault (null for none).</summary>
    public static string? Name(this Mailer.Fault fault) => fault switch
    {
        Mailer.Fault.None => null,
        Mailer.Fault.Recipient => "recipient",
        Mailer.Fault.Sender => "sender",
        Mailer.Fault.Message => "message",
        Mailer.Fault.Transient => "transient",
        _ => throw new ArgumentOutOfRangeException(nameof(fault), fault, null),
    };
}

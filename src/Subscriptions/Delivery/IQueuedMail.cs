namespace Digest.Subscriptions.Delivery;

/// <summary>A row a leased queue claimed: what the shared retry and give-up policy reads of it.</summary>
public interface IQueuedMail
{
    long Id { get; }

    /// <summary>Attempts so far, this claim's included.</summary>
    int Attempts { get; }

    /// <summary>Already sent once more after a connection lost after the final dot.</summary>
    bool UnknownResent { get; }

    /// <summary>When it was queued (UTC): <see cref="LeasedQueueOptions.GiveUpAfter"/> counts from here.</summary>
    DateTime QueuedAt { get; }
}

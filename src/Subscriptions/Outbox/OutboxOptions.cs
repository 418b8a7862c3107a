using System.ComponentModel.DataAnnotations;
using Digest.Subscriptions.Delivery;

namespace Digest.Subscriptions.Outbox;

/// <summary>Outbox:* — how transactional mail is claimed, retried and kept (the leased queue's settings, with the outbox's defaults).</summary>
public sealed class OutboxOptions : LeasedQueueOptions
{
    public const string Section = "Outbox";

    public OutboxOptions()
    {
        BatchSize = 20;
        SendConcurrency = 4;
        Lease = TimeSpan.FromMinutes(5);
        PollInterval = TimeSpan.FromSeconds(5);
        RetryDelay = TimeSpan.FromMinutes(1);
        MaxRetryDelay = TimeSpan.FromHours(1);
        // A confirmation that has not gone out in half a day is better asked for again.
        GiveUpAfter = TimeSpan.FromHours(12);
    }

    /// <summary>How long the record of a finished mail (its outcome, never its content) is kept.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00")]
    public TimeSpan KeepFinished { get; set; } = TimeSpan.FromDays(30);
}

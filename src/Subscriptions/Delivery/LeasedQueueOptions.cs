using System.ComponentModel.DataAnnotations;

namespace Digest.Subscriptions.Delivery;

/// <summary>
/// What every leased queue is configured by (sections <c>Digests</c> and <c>Outbox</c> each set their
/// own values): how much a claim takes, how long it holds it, and the one retry and give-up policy.
/// </summary>
public abstract class LeasedQueueOptions
{
    /// <summary>Rows one claim takes.</summary>
    [Range(1, 5_000)]
    public int BatchSize { get; set; }

    /// <summary>Messages one claim has in flight at once (the Mailer's pool spreads them over its connections).</summary>
    [Range(1, 1_000)]
    public int SendConcurrency { get; set; }

    /// <summary>
    /// How long a claim holds its rows without renewing. A batch renews its lease every third of it
    /// while it sends; the rows of an instance that died come due again after it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Lease { get; set; }

    /// <summary>How often an idle worker looks for due rows (mail queued on this instance wakes it at once).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan PollInterval { get; set; }

    /// <summary>The median first retry delay after a deferral; later ones double, with jitter, up to <see cref="MaxRetryDelay"/>. Mail held for a relay that refuses the sender waits this long each time.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RetryDelay { get; set; }

    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan MaxRetryDelay { get; set; }

    /// <summary>Mail still not delivered this long after it was queued is given up (recorded as expired).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan GiveUpAfter { get; set; }

    /// <summary>
    /// On stop, how long sends already under way may take to finish before they are cancelled (a
    /// send cancelled before its final dot delivered nothing). Well under systemd's TimeoutStopSec (90 s).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan DrainTime { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long recording a batch's outcomes is retried while the database cannot be reached (a restart, a failover).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RecordRetryFor { get; set; } = TimeSpan.FromSeconds(60);
}

using System.ComponentModel.DataAnnotations;
using Digest.Subscriptions.Delivery;

namespace Digest.Digests;

/// <summary>Configuration section <c>Digests</c>: how issues are planned, and the leased queue's settings for delivering them.</summary>
public sealed class DigestsOptions : LeasedQueueOptions
{
    public const string Section = "Digests";

    /// <summary>The most papers one issue lists (the best-ranked ones).</summary>
    [Range(1, 100)]
    public int MaxPapers { get; set; } = 15;

    /// <summary>How often the plan job looks for subscribers whose delivery time has come.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan PlanEvery { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Delivery loops per instance; each claims a batch and sends it.</summary>
    [Range(0, 64)]
    public int Workers { get; set; } = 4;

    public DigestsOptions()
    {
        BatchSize = 200;
        // Unset in configuration, AddDigests sets it from the relays (SendConcurrencyFor).
        SendConcurrency = PickupSendConcurrency;
        Lease = TimeSpan.FromMinutes(2);
        PollInterval = TimeSpan.FromSeconds(10);
        RetryDelay = TimeSpan.FromMinutes(5);
        MaxRetryDelay = TimeSpan.FromHours(2);
        GiveUpAfter = TimeSpan.FromHours(24);
    }

    /// <summary>Sends in flight a worker when mail goes to the pickup folder (no relay): files, no connections to fill.</summary>
    public const int PickupSendConcurrency = 8;

    /// <summary>
    /// <see cref="LeasedQueueOptions.SendConcurrency"/> when it is not configured: twice the relays'
    /// connections in all, shared among the workers. A send waiting for a connection holds its
    /// rendered mail, and one waiting behind each connection is all the pipelining uses (its
    /// envelope goes behind the previous final dot). At 100k, 16 connections and 4 workers: 8 a
    /// worker ran as fast as 16 or 32 and peaked at 327–329 MB against 403 and 453–457 MB; 4 (no
    /// mail waiting) was slower (README, "The ninth round").
    /// </summary>
    /// <param name="connections">The relays' connections in all; 0: no relay (the pickup folder).</param>
    public static int SendConcurrencyFor(int connections, int workers) =>
        connections == 0
            ? PickupSendConcurrency
            : Math.Clamp((2 * connections + Math.Max(workers, 1) - 1) / Math.Max(workers, 1), 1, 1_000);

    /// <summary>Consecutive hard bounces of the address itself (<see cref="Mailer.Fault.Recipient"/>) after which it is suppressed.</summary>
    [Range(1, 100)]
    public int SuppressAfterHardFailures { get; set; } = 3;

    /// <summary>Due subscribers whose issues one plan statement writes (each chunk commits by itself, and delivery can start on it).</summary>
    [Range(100, 1_000_000)]
    public int PlanChunk { get; set; } = 5_000;
}

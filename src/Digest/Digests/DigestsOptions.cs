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
        SendConcurrency = 32;
        Lease = TimeSpan.FromMinutes(2);
        PollInterval = TimeSpan.FromSeconds(10);
        RetryDelay = TimeSpan.FromMinutes(5);
        MaxRetryDelay = TimeSpan.FromHours(2);
        GiveUpAfter = TimeSpan.FromHours(24);
    }

    /// <summary>Consecutive hard bounces of the address itself (<see cref="Mailer.Fault.Recipient"/>) after which it is suppressed.</summary>
    [Range(1, 100)]
    public int SuppressAfterHardFailures { get; set; } = 3;

    /// <summary>Due subscribers whose issues one plan statement writes (each chunk commits by itself, and delivery can start on it).</summary>
    [Range(100, 1_000_000)]
    public int PlanChunk { get; set; } = 5_000;
}

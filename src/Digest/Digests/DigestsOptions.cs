using System.ComponentModel.DataAnnotations;

namespace Digest.Digests;

/// <summary>Configuration section <c>Digests</c>: how issues are planned and delivered.</summary>
public sealed class DigestsOptions
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

    /// <summary>Issues one claim takes.</summary>
    [Range(1, 5_000)]
    public int BatchSize { get; set; } = 200;

    /// <summary>Messages one delivery loop has in flight at once (the Mailer's pool spreads them over its connections).</summary>
    [Range(1, 1_000)]
    public int SendConcurrency { get; set; } = 32;

    /// <summary>How long a claim holds its issues; a crashed instance's issues come due again after it.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often an idle delivery loop looks for due issues (a plan on this instance wakes it at once).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The median first retry delay after a 4xx; later ones double, with jitter, up to <see cref="MaxRetryDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(2);

    /// <summary>A deferred issue still not delivered this long after it was planned is given up (recorded as expired).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Consecutive hard failures (5xx) after which an address is suppressed.</summary>
    [Range(1, 100)]
    public int SuppressAfterHardFailures { get; set; } = 3;

    /// <summary>Due subscribers whose issues one plan statement writes (each chunk commits by itself, and delivery can start on it).</summary>
    [Range(100, 1_000_000)]
    public int PlanChunk { get; set; } = 5_000;
}

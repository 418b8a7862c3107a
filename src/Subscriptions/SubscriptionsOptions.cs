using System.ComponentModel.DataAnnotations;

namespace Digest.Subscriptions;

/// <summary>Subscriptions:* — the sign-up rules and the limits that keep the form from being abused.</summary>
public sealed class SubscriptionsOptions
{
    public const string Section = "Subscriptions";

    /// <summary>How long a confirmation link works; unconfirmed sign-ups are deleted after it.</summary>
    [Range(typeof(TimeSpan), "00:05:00", "7.00:00:00")]
    public TimeSpan ConfirmationLifetime { get; set; } = TimeSpan.FromHours(48);

    /// <summary>At most one mail caused by the subscribe form per address in this window, however often it is submitted.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan AddressMailWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// A valid submission is answered no sooner than this after it arrived, so that the time taken
    /// does not tell a new address from a known one.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:05")]
    public TimeSpan SubmitResponseTime { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Form submissions (subscribe, manage) one client IP may make per <see cref="SubmitWindow"/>.</summary>
    [Range(1, 100_000)]
    public int SubmitsPerClient { get; set; } = 20;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SubmitWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Live-preview and link requests one client IP may make per minute.</summary>
    [Range(1, 100_000)]
    public int RequestsPerClientPerMinute { get; set; } = 120;

    /// <summary>
    /// The most one live preview's queries may take (PostgreSQL's statement_timeout, lock waits
    /// included): a topic that is slow to match answers "not available" instead of holding a connection.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan PreviewTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Previews running at once on this instance; more wait a moment, then get "not available".</summary>
    [Range(1, 64)]
    public int PreviewConcurrency { get; set; } = 4;

    /// <summary>How often stale sign-ups, expired links and old outbox rows are deleted.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan HousekeepingInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How fast an import's confirmation mails go out: an imported list's first mail is where
    /// complaints and bounces come from, and spacing it out lets them show before the rest is sent.
    /// </summary>
    [Range(1, 100_000)]
    public int ImportConfirmationsPerMinute { get; set; } = 100;
}

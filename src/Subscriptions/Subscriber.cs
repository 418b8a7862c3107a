namespace Digest.Subscriptions;

/// <summary>The values of subscribers.status.</summary>
internal static class SubscriberStatus
{
    /// <summary>Signed up, not yet confirmed: gets nothing but the confirmation mail.</summary>
    public const string Pending = "pending";

    public const string Active = "active";

    /// <summary>Confirmed, but asked for a break: keeps topics and links, gets no digests.</summary>
    public const string Paused = "paused";

    /// <summary>Gets nothing more; a new subscription needs a new confirmation.</summary>
    public const string Unsubscribed = "unsubscribed";

    /// <summary>Their mailbox refuses our mail (hard bounces): we stop sending.</summary>
    public const string Suppressed = "suppressed";
}

/// <summary>A subscriber as the pages show and edit them.</summary>
internal sealed record Subscriber(
    long Id, string Email, string Status, string Frequency, short? Weekday, short DeliveryHour, string TimeZone, int LinkGeneration)
{
    /// <summary>The columns, named as this record's constructor wants them.</summary>
    public const string Columns = """
        id AS Id, email AS Email, status AS Status, frequency AS Frequency, weekday AS Weekday,
        delivery_hour AS DeliveryHour, time_zone AS TimeZone, link_generation AS LinkGeneration
        """;
}

using Digest.Subscriptions.Filters;

namespace Digest.Subscriptions.Settings;

/// <summary>What a subscriber chooses: topics, and when the digest comes.</summary>
/// <param name="Weekday">0 = Sunday; weekly only.</param>
/// <param name="DeliveryHour">The local hour (0–23) in <paramref name="TimeZone"/>.</param>
/// <param name="TimeZone">An IANA zone name.</param>
internal sealed record SubscriptionSettings(
    IReadOnlyList<TopicFilter> Topics, string Frequency, short? Weekday, short DeliveryHour, string TimeZone)
{
    public const string Daily = "daily";
    public const string Weekly = "weekly";

    /// <summary>"every day at 07:00 (Europe/Paris)", for pages and mail.</summary>
    public string Schedule => Describe(Frequency, Weekday, DeliveryHour, TimeZone);

    public static string Describe(string frequency, short? weekday, short hour, string zone) =>
        frequency == Weekly && weekday is { } day
            ? $"every {(DayOfWeek)day} at {hour:00}:00 ({zone})"
            : $"every day at {hour:00}:00 ({zone})";
}

using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Digest.Subscriptions.Settings;

/// <summary>The IANA time zones a subscriber may pick, as this machine's time-zone database knows them.</summary>
internal static partial class TimeZones
{
    public const string Utc = "UTC";

    /// <summary>Every IANA zone the system knows, sorted, for the form's list.</summary>
    public static IReadOnlyList<string> All { get; } = TimeZoneInfo.GetSystemTimeZones()
        .Where(z => z.HasIanaId)
        .Select(z => z.Id)
        .Append(Utc)
        .Distinct(StringComparer.Ordinal)
        .Order(StringComparer.Ordinal)
        .ToList();

    /// <summary>
    /// Accepts an IANA name the system knows ("Europe/Paris"; also older aliases some browsers
    /// report, like "Asia/Calcutta"); an empty value means UTC. The shape is checked before the
    /// lookup, because on Linux a zone name becomes a path under /usr/share/zoneinfo.
    /// </summary>
    public static bool TryNormalise(string? value, [NotNullWhen(true)] out string? zone)
    {
        zone = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            zone = Utc;
            return true;
        }
        value = value.Trim();
        if (value.Length > 64 || !IanaName().IsMatch(value))
            return false;
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(value, out var found) || !found.HasIanaId)
            return false;
        zone = found.Id;
        return true;
    }

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,2}$")]
    private static partial Regex IanaName();
}

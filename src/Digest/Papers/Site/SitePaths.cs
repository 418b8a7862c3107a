using System.Globalization;

namespace Digest.Papers.Site;

/// <summary>The site's own paths, in one place for the pages, the feeds and the digest's links.</summary>
public static class SitePaths
{
    public const string DayPrefix = "/papers/";
    public const string DateFormat = "yyyy-MM-dd";

    public static string Day(DateOnly day) => DayPrefix + day.ToString(DateFormat, CultureInfo.InvariantCulture);

    /// <summary>arXiv's old ids have a slash ("hep-th/9901001"); the route takes the rest of the path, so it stays one.</summary>
    public static string Paper(string id) => DayPrefix + string.Join('/', id.Split('/').Select(Uri.EscapeDataString));

    public static string Search(string query) => "/search?q=" + Uri.EscapeDataString(query);

    public static string Subscribe(string topic) => "/subscribe?topic=" + Uri.EscapeDataString(topic);
}

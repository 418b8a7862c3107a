using System.Globalization;
using System.Text.RegularExpressions;
using Digest.Subscriptions.Web;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Digest.Papers.Site;

/// <summary>
/// The home page (the latest day's trending papers, with Subscribe) and /papers/{date}: any day,
/// with the nearest days that have papers on either side and a date picker. An empty day (a
/// weekend) says so and links to those nearest days.
/// </summary>
internal static partial class DayPage
{
    /// <summary>Dates the site answers for; outside them a date is a mistake, not a quiet day.</summary>
    static readonly DateOnly First = new(1991, 1, 1), Last = new(2999, 12, 31);

    public const string Template = "papers-day";

    public static void Map(IEndpointRouteBuilder pages)
    {
        pages.MapGet("/", Home);
        // The date picker's form: GET /papers?date=2025-09-08.
        pages.MapGet("/papers", Pick);
    }

    static async Task<Results<ContentHttpResult, StatusCodeHttpResult>> Home(
        HttpContext http, PaperListing listing, RenderedPages rendered, Pages pages, CancellationToken cancellationToken)
    {
        var page = await rendered.GetAsync("home", async () =>
        {
            var day = await listing.LatestAsync(cancellationToken);
            return Render(pages, day, home: true);
        });
        return Revalidation.Respond(http, page!);
    }

    static Results<RedirectHttpResult, ContentHttpResult> Pick(string? date, Pages pages)
    {
        if (string.IsNullOrWhiteSpace(date))
            return TypedResults.Redirect("/");
        return TryReadDate(date, out var day, out var error)
            ? TypedResults.Redirect(SitePaths.Day(day))
            : pages.Error(StatusCodes.Status400BadRequest, "That is not a date", error);
    }

    /// <summary>/papers/{date}, from <see cref="PapersRoute"/>.</summary>
    public static async Task<Results<ContentHttpResult, StatusCodeHttpResult>> Show(
        string date, HttpContext http, PaperListing listing, RenderedPages rendered, Pages pages, CancellationToken cancellationToken)
    {
        if (!TryReadDate(date, out var day, out var error))
            return pages.Error(StatusCodes.Status400BadRequest, "That is not a date", error);
        var page = await rendered.GetAsync("day:" + SitePaths.Day(day), async () => Render(pages, await listing.DayAsync(day, cancellationToken), home: false));
        return Revalidation.Respond(http, page!);
    }

    /// <summary>Whether the text is shaped like a date (so /papers/{text} is about a day, not a paper).</summary>
    public static bool LooksLikeDate(string text) => DateShape().IsMatch(text);

    static bool TryReadDate(string text, out DateOnly day, out string error)
    {
        error = "";
        if (!DateOnly.TryParseExact(text.Trim(), SitePaths.DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out day))
        {
            error = $"“{Shorten(text)}” is not a date. Days are written year-month-day, like {new DateOnly(2025, 9, 8).ToString(SitePaths.DateFormat, CultureInfo.InvariantCulture)}.";
            return false;
        }
        if (day < First || day > Last)
        {
            error = $"There are no papers for {day.ToString(SitePaths.DateFormat, CultureInfo.InvariantCulture)}: the days go from {First.Year} to {Last.Year}.";
            return false;
        }
        return true;
    }

    static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    static RenderedPage Render(Pages pages, PaperDay? day, bool home) =>
        RenderedPage.Of(pages.Html(Template, DayView.Of(day, home)), Pages.HtmlContentType, day?.Papers ?? []);

    [GeneratedRegex("^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$|^[0-9]{4}-[0-9]{2}")]
    private static partial Regex DateShape();
}

/// <summary>What pages/papers-day shows.</summary>
/// <param name="Home">The front page: the site's name is its heading and Subscribe leads.</param>
/// <param name="Day">Null on a site with no papers at all yet.</param>
internal sealed record DayView(
    bool Home,
    string Title,
    string? Day,
    string? DayIso,
    IReadOnlyList<PaperCard> Papers,
    string? Count,
    DayLink? Previous,
    DayLink? Next,
    bool Empty)
{
    public static DayView Of(PaperDay? day, bool home)
    {
        if (day is null)
            return new DayView(home, "Trending papers", null, null, [], null, null, null, Empty: true);
        var papers = day.Papers.Select(PaperCard.Of).ToList();
        var count = day.Total switch
        {
            0 => null,
            1 => "1 paper",
            var n when n > papers.Count => $"the top {papers.Count} of {n.ToString("N0", CultureInfo.InvariantCulture)} papers",
            var n => $"{n.ToString("N0", CultureInfo.InvariantCulture)} papers",
        };
        var name = day.Day.ToString("dddd, MMMM d, yyyy", CultureInfo.InvariantCulture);
        return new DayView(
            home,
            home ? "Trending papers" : $"Papers of {day.Day.ToString("MMM d, yyyy", CultureInfo.InvariantCulture)}",
            name,
            day.Day.ToString(SitePaths.DateFormat, CultureInfo.InvariantCulture),
            papers,
            count,
            DayLink.Of(day.Previous),
            DayLink.Of(day.Next),
            papers.Count == 0);
    }
}

internal sealed record DayLink(string Url, string Label)
{
    public static DayLink? Of(DateOnly? day) =>
        day is { } d ? new DayLink(SitePaths.Day(d), d.ToString("ddd, MMM d, yyyy", CultureInfo.InvariantCulture)) : null;
}

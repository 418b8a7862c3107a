using System.Globalization;
using Digest.Subscriptions.Settings;
using Digest.Subscriptions.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Digest.Admin;

/// <summary>What the console layout shows around a page: its title, which tab is current, the sign-out form's antiforgery field.</summary>
internal sealed record ConsoleFrame(string Title, string Tab, AntiforgeryField Antiforgery)
{
    public bool OnOverview => Tab == AdminPaths.Overview;
    public bool OnSuppressions => Tab == AdminPaths.Suppressions;
    public bool OnFailures => Tab == AdminPaths.Failures;
}

/// <summary>Renders templates/pages/admin/*.hbs, never cached, never indexed.</summary>
internal sealed class ConsolePages(Pages pages, IAntiforgery antiforgery)
{
    public ContentHttpResult Render(HttpContext http, string page, string title, string tab, object model, int statusCode = StatusCodes.Status200OK)
    {
        http.Response.Headers["X-Robots-Tag"] = "noindex, nofollow";
        return pages.Render("admin/" + page, new ConsolePage(new ConsoleFrame(title, tab, AntiforgeryField.For(http, antiforgery)), model), statusCode);
    }

    /// <summary>Times as the console shows them: UTC, to the minute.</summary>
    public static string Time(DateTime? utc) => utc is { } time ? time.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC" : "";

    public static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}

internal sealed record ConsolePage(ConsoleFrame Frame, object Page);

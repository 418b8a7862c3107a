using Digest.Subscriptions.Suppression;

namespace Digest.Admin;

/// <summary>/admin/suppressions: the addresses we stopped sending to, why and since when, each with a "Lift" button.</summary>
internal static class SuppressionsPage
{
    public static async Task<IResult> Show(HttpContext http, ConsolePages pages, Suppressions suppressions, string? lifted, CancellationToken cancellationToken)
    {
        var list = await suppressions.ListAsync(cancellationToken);
        return pages.Render(http, "suppressions", "Suppressions", AdminPaths.Suppressions, new
        {
            Lifted = lifted,
            Count = ConsolePages.Number(list.Count),
            Addresses = list.Select(a => new { a.Email, Since = ConsolePages.Time(a.SuppressedAt), Reason = a.Reason ?? "(no reason recorded)", a.HardFailures }),
        });
    }

    /// <summary>Lifts one, then shows the list again (a redirect, so a reload does not post twice).</summary>
    public static async Task<IResult> Lift(HttpContext http, ConsolePages pages, Suppressions suppressions, CancellationToken cancellationToken)
    {
        var email = http.Request.Form["email"].ToString();
        if (email.Length == 0 || !await suppressions.LiftAsync(email, cancellationToken))
        {
            return pages.Render(http, "suppressions", "Suppressions", AdminPaths.Suppressions, new
            {
                Problem = $"{email} is not suppressed (any more): nothing was changed.",
                Count = "0",
                Addresses = Array.Empty<object>(),
            }, StatusCodes.Status404NotFound);
        }
        return TypedResults.Redirect($"{AdminPaths.Suppressions}?lifted={Uri.EscapeDataString(email)}", permanent: false, preserveMethod: false);
    }
}

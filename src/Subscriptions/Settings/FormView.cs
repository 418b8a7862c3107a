using System.Globalization;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;

namespace Digest.Subscriptions.Settings;

/// <summary>What the settings form's template needs: the values, the choices and the errors.</summary>
internal sealed record FormView(SubscriptionFormValues Values, FieldErrors FieldErrors, AntiforgeryField Antiforgery)
{
    public Dictionary<string, List<string>> Errors => FieldErrors.ByField;

    public bool HasErrors => FieldErrors.Any;

    public bool Weekly => Values.Frequency == SubscriptionSettings.Weekly;

    /// <summary>Monday first, as most of the world's calendars start the week.</summary>
    public IEnumerable<Option> Weekdays => WeekOrder.Select(d =>
        new Option(Text(d), ((DayOfWeek)d).ToString(), Text(d) == Values.Weekday));

    public IEnumerable<Option> Hours => Enumerable.Range(0, 24).Select(h =>
        new Option(Text(h), $"{h:00}:00", Text(h) == Values.Hour));

    /// <summary>
    /// The zones the system knows, the submitted one selected; an alias the list lacks (some
    /// browsers report "Asia/Calcutta") is added, anything invalid shows as UTC.
    /// </summary>
    public IEnumerable<Option> Zones
    {
        get
        {
            var selected = TimeZones.TryNormalise(Values.Zone, out var zone) ? zone : TimeZones.Utc;
            var zones = TimeZones.All.Contains(selected) ? TimeZones.All : TimeZones.All.Prepend(selected);
            return zones.Select(z => new Option(z, z.Replace('_', ' '), z == selected));
        }
    }

    /// <summary>Every error, in page order, linking to its field.</summary>
    public IEnumerable<ErrorLink> Summary => SubscriptionForm.Fields
        .Where(f => Errors.ContainsKey(f.Field))
        .SelectMany(f => Errors[f.Field].Select(m => new ErrorLink(f.Target, f.Label, m)));

    static readonly int[] WeekOrder = [1, 2, 3, 4, 5, 6, 0];

    static string Text(int number) => number.ToString(CultureInfo.InvariantCulture);

    public static FormView For(HttpContext http, IAntiforgery antiforgery, SubscriptionFormValues values, FieldErrors? errors = null) =>
        new(values, errors ?? new FieldErrors(), AntiforgeryField.For(http, antiforgery));
}

internal sealed record Option(string Value, string Label, bool Selected);

internal sealed record ErrorLink(string Target, string Label, string Message);

/// <summary>The hidden field every form but unsubscribe carries; its cookie is set with it.</summary>
public sealed record AntiforgeryField(string Name, string Token)
{
    public static AntiforgeryField For(HttpContext http, IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        return new AntiforgeryField(tokens.FormFieldName, tokens.RequestToken ?? "");
    }
}

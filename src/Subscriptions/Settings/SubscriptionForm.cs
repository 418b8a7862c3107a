using System.Globalization;
using Digest.Mailer;
using Digest.Subscriptions.Filters;
using Digest.Subscriptions.Web;
using Microsoft.AspNetCore.Http;
using Npgsql;

namespace Digest.Subscriptions.Settings;

/// <summary>The fields as submitted (cut to a sane length), to show the form again with them.</summary>
internal sealed record SubscriptionFormValues(string Email, string Topics, string Frequency, string Weekday, string Hour, string Zone)
{
    public static SubscriptionFormValues Blank { get; } = new("", "", SubscriptionSettings.Daily, "1", "7", TimeZones.Utc);

    public static SubscriptionFormValues Of(string email, SubscriptionSettings settings) => new(
        email,
        TopicList.Format(settings.Topics),
        settings.Frequency,
        (settings.Weekday ?? 1).ToString(CultureInfo.InvariantCulture),
        settings.DeliveryHour.ToString(CultureInfo.InvariantCulture),
        settings.TimeZone);
}

/// <summary>
/// Reads the subscribe form and the manage form (the same fields without the address): every
/// problem is reported against its field, in words a person understands. Topics are checked here
/// for syntax only; <see cref="TopicCheck"/> asks PostgreSQL about their words.
/// </summary>
internal static class SubscriptionForm
{
    public const string EmailField = "email";
    public const string TopicsField = "topics";
    public const string FrequencyField = "frequency";
    public const string WeekdayField = "weekday";
    public const string HourField = "hour";
    public const string ZoneField = "zone";

    /// <summary>The fields in page order, with the id an error summary links to and the label it shows.</summary>
    public static IReadOnlyList<(string Field, string Target, string Label)> Fields { get; } =
    [
        (EmailField, "email", "Email address"),
        (TopicsField, "topics", "Topics"),
        (FrequencyField, "frequency-daily", "How often"),
        (WeekdayField, "weekday", "Day of the week"),
        (HourField, "hour", "Delivery time"),
        (ZoneField, "zone", "Time zone"),
        ("confirm", "confirm", "Delete my data"),
    ];

    const int MaxEchoLength = 512;

    /// <summary>Reads the form and has PostgreSQL check the topics' words, so that every problem shows at once.</summary>
    public static async Task<ParsedForm> ReadAsync(IFormCollection form, bool withEmail, NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var parsed = Read(form, withEmail);
        if (parsed.Topics.Count > 0)
            parsed.Errors.Add(TopicsField, await TopicCheck.FindProblemsAsync(connection, parsed.Topics, cancellationToken));
        return parsed.Errors.Any ? parsed with { Settings = null } : parsed;
    }

    public static ParsedForm Read(IFormCollection form, bool withEmail)
    {
        var errors = new FieldErrors();
        var email = withEmail ? Single(form, EmailField, errors) : "";
        var topics = Single(form, TopicsField, errors);
        var frequency = Single(form, FrequencyField, errors);
        var weekday = Single(form, WeekdayField, errors);
        var hour = Single(form, HourField, errors);
        var zone = Single(form, ZoneField, errors);
        var values = new SubscriptionFormValues(
            Echo(email, MaxEchoLength), Echo(topics, TopicList.MaxLength), Echo(frequency, 16), Echo(weekday, 16), Echo(hour, 16), Echo(zone, 80));

        MailboxAddress? address = null;
        if (withEmail && !errors.Has(EmailField))
            address = ReadEmail(email, errors);

        IReadOnlyList<TopicFilter> parsedTopics = [];
        if (!errors.Has(TopicsField))
        {
            (parsedTopics, var topicErrors) = TopicList.Parse(topics);
            errors.Add(TopicsField, topicErrors);
        }

        if (frequency is not (SubscriptionSettings.Daily or SubscriptionSettings.Weekly) && !errors.Has(FrequencyField))
            errors.Add(FrequencyField, "Choose how often you want the digest: daily or weekly.");

        short? day = null;
        if (frequency == SubscriptionSettings.Weekly && !errors.Has(WeekdayField))
        {
            if (short.TryParse(weekday, NumberStyles.None, CultureInfo.InvariantCulture, out var d) && d is >= 0 and <= 6)
                day = d;
            else
                errors.Add(WeekdayField, "Choose the day of the week the weekly digest comes on.");
        }

        short deliveryHour = 0;
        if (!errors.Has(HourField)
            && (!short.TryParse(hour, NumberStyles.None, CultureInfo.InvariantCulture, out deliveryHour) || deliveryHour > 23))
            errors.Add(HourField, "Choose the time of day the digest comes, from 00:00 to 23:00.");

        string? timeZone = null;
        if (!errors.Has(ZoneField) && !TimeZones.TryNormalise(zone, out timeZone))
            errors.Add(ZoneField, $"“{Echo(zone, 64)}” is not a time zone we know; choose one from the list, like Europe/Paris.");

        var settings = errors.Any ? null : new SubscriptionSettings(parsedTopics, frequency, day, deliveryHour, timeZone!);
        return new ParsedForm(values, errors, address, parsedTopics, settings);
    }

    static MailboxAddress? ReadEmail(string email, FieldErrors errors)
    {
        // Checked before parsing so that a megabyte of input costs nothing more than this comparison.
        if (email.Length > MailboxAddress.MaxAddressLength + 16)
        {
            errors.Add(EmailField, $"An email address may be at most {MailboxAddress.MaxAddressLength} characters.");
            return null;
        }
        if (!MailboxAddress.TryParse(email, out var address, out var error))
        {
            errors.Add(EmailField, error);
            return null;
        }
        return address;
    }

    /// <summary>
    /// A field's one value; a field sent twice is refused rather than guessed at, and so is one
    /// with a character it cannot hold (a line break anywhere but in the topics box, a NUL,
    /// invalid UTF-8) — before any parsing, which would quietly trim or ignore some of them.
    /// </summary>
    static string Single(IFormCollection form, string field, FieldErrors errors)
    {
        var values = form[field];
        var label = Fields.First(f => f.Field == field).Label;
        if (values.Count > 1)
            errors.Add(field, $"{label} was sent more than once; submit the form from the page.");
        var value = values.Count == 0 ? "" : values[0] ?? "";
        if (values.Count == 1 && FormText.FindUnacceptable(value, multiline: field == TopicsField) is { } problem)
            errors.Add(field, $"{label} contains {problem}.");
        return value;
    }

    static string Echo(string value, int max) => value.Length <= max ? value : value[..max];
}

/// <param name="Topics">The topics, when their syntax is right (whatever the other fields).</param>
/// <param name="Settings">Everything, when nothing is wrong.</param>
internal sealed record ParsedForm(
    SubscriptionFormValues Values, FieldErrors Errors, MailboxAddress? Email, IReadOnlyList<TopicFilter> Topics, SubscriptionSettings? Settings);

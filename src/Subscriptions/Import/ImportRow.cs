namespace Digest.Subscriptions.Import;

/// <summary>
/// One subscriber as a file gives it, every field still text: the subscription rules
/// (<see cref="Settings.SubscriptionForm"/>) judge it exactly as they judge the form.
/// </summary>
/// <param name="Line">The line of the file the row starts on, for its problems.</param>
/// <param name="Topics">Several topics separated by <c>;</c>.</param>
/// <param name="Status">What the row asks for (active, paused, pending); empty means active.</param>
internal sealed record ImportRow(int Line, string Email, string Topics, string Frequency, string Hour, string Zone, string Weekday, string Status);

/// <summary>The columns of Digest's own CSV, in the order export writes them.</summary>
internal static class ImportColumns
{
    public const string Email = "email";
    public const string Topics = "topics";
    public const string Frequency = "frequency";
    public const string Hour = "hour";
    public const string Zone = "zone";
    public const string Weekday = "weekday";
    public const string Status = "status";

    public static IReadOnlyList<string> Required { get; } = [Email, Topics, Frequency, Hour, Zone];

    public static IReadOnlyList<string> All { get; } = [Email, Topics, Frequency, Hour, Zone, Weekday, Status];

    /// <summary>Topics in one cell: the form's one-per-line box, written on one line.</summary>
    public const char TopicSeparator = ';';
}

using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Digest.Cli;

/// <summary>A verb's date option, written YYYY-MM-DD, with one clear error for anything else.</summary>
internal static class DateOption
{
    public static Option<DateOnly?> Create(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "YYYY-MM-DD",
        CustomParser = result =>
        {
            if (Read(result) is { } date)
                return date;
            result.AddError($"{name} '{string.Join(" ", result.Tokens.Select(t => t.Value))}' is not a date: write it as YYYY-MM-DD, e.g. 2025-09-08.");
            return null;
        },
    };

    /// <summary>The date the option's token holds, or null (absent, or not a date).</summary>
    public static DateOnly? Read(SymbolResult? result) =>
        result?.Tokens is [var token] && DateOnly.TryParseExact(token.Value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : null;
}

using System.Globalization;
using System.Text.RegularExpressions;

namespace Digest.Tests.Papers.Harness;

/// <summary>The rows of the table <c>digest ingest</c> prints: source │ fetched │ new │ updated │ rejected │ result.</summary>
public static partial class Summary
{
    public static Dictionary<string, (int Fetched, int New, int Updated, int Rejected, string Result)> Rows(string output) =>
        Row().Matches(output).ToDictionary(
            m => m.Groups[1].Value,
            m => (Number(m, 2), Number(m, 3), Number(m, 4), Number(m, 5), m.Groups[6].Value.Trim()));

    static int Number(Match match, int group) => int.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"│\s*(\S+)\s*│\s*(\d+)\s*│\s*(\d+)\s*│\s*(\d+)\s*│\s*(\d+)\s*│\s*([^│]*?)\s*│")]
    private static partial Regex Row();
}

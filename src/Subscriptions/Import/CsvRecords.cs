using System.Text;

namespace Digest.Subscriptions.Import;

/// <summary>One CSV record and its line in the file.</summary>
internal sealed record CsvRecord(int Line, IReadOnlyList<string> Fields);

/// <summary>
/// RFC 4180 records: fields separated by commas, quoted with double quotes when they hold a comma
/// or a quote (doubled), as spreadsheets and listmonk write them. No field of an import holds a line
/// break, so a record is one line: a quote left open is reported on its own line instead of
/// swallowing the rows after it; a quote mid-field is reported rather than guessed at.
/// </summary>
internal static class CsvRecords
{
    public static async IAsyncEnumerable<(CsvRecord? Record, string? Problem)> ReadAsync(TextReader reader)
    {
        var line = 0;
        while (await reader.ReadLineAsync() is { } text)
        {
            line++;
            if (text.Length == 0)
                continue;
            var (fields, problem) = Split(text);
            yield return problem is null ? (new CsvRecord(line, fields), null) : (null, $"line {line}: {problem}");
        }
    }

    static (List<string> Fields, string? Problem) Split(string text)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var atFieldStart = true;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c != '"')
                    field.Append(c);
                else if (i + 1 < text.Length && text[i + 1] == '"')
                    field.Append(text[++i]);
                else if (i + 1 < text.Length && text[i + 1] != ',')
                    return (fields, $"a character follows the closing quote of field {fields.Count + 1}");
                else
                    quoted = false;
                continue;
            }
            if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
                atFieldStart = true;
                continue;
            }
            if (c == '"' && !atFieldStart)
                return (fields, $"a quote in the middle of field {fields.Count + 1}; quote the whole field and double the quote");
            if (c == '"')
                quoted = true;
            else
                field.Append(c);
            atFieldStart = false;
        }
        if (quoted)
            return (fields, $"the quote that opens field {fields.Count + 1} is not closed on its line");
        fields.Add(field.ToString());
        return (fields, null);
    }

    /// <summary>A field as CSV: quoted when it must be.</summary>
    public static string Quote(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}

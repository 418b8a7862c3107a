using System.Globalization;
using System.Text.Json;

namespace Digest.Subscriptions.Import;

/// <summary>
/// Reads the rows of an import file, whichever of the three shapes it has: Digest's CSV (a header
/// row naming <see cref="ImportColumns"/>), listmonk's subscriber export (uuid,email,name,attributes,
/// status,…; topics and schedule from its attributes when they are there) or JSON lines with the
/// CSV's fields. A row that cannot even be read comes back as its problem.
/// </summary>
internal static class ImportFile
{
    public static async IAsyncEnumerable<(ImportRow? Row, string? Problem)> ReadAsync(TextReader reader)
    {
        // StreamReader has already dropped a byte order mark.
        if (reader.Peek() == '{')
        {
            await foreach (var item in JsonLinesAsync(reader))
                yield return item;
            yield break;
        }
        Func<CsvRecord, (ImportRow?, string?)>? map = null;
        await foreach (var (record, problem) in CsvRecords.ReadAsync(reader))
        {
            if (problem is not null)
            {
                yield return (null, problem);
                if (map is null)
                    yield break;
                continue;
            }
            if (map is null)
            {
                var (header, headerProblem) = ReadHeader(record!);
                if (headerProblem is not null)
                {
                    yield return (null, headerProblem);
                    yield break;
                }
                map = header;
                continue;
            }
            yield return map!(record!);
        }
    }

    static (Func<CsvRecord, (ImportRow?, string?)>?, string?) ReadHeader(CsvRecord header)
    {
        var names = header.Fields.Select(f => f.Trim().TrimStart('\uFEFF').ToLowerInvariant()).ToList();
        if (names.Count >= 5 && names[0] == "uuid" && names[1] == "email" && names[3] == "attributes" && names[4] == "status")
            return (ListmonkRow, null);
        var unknown = names.Where(n => !ImportColumns.All.Contains(n)).ToList();
        var missing = ImportColumns.Required.Where(n => !names.Contains(n)).ToList();
        var twice = names.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (unknown.Count > 0 || missing.Count > 0 || twice.Count > 0)
        {
            var what = new List<string>();
            if (missing.Count > 0)
                what.Add($"missing column(s) {string.Join(", ", missing)}");
            if (unknown.Count > 0)
                what.Add($"unknown column(s) {string.Join(", ", unknown.Select(u => $"'{u}'"))}");
            if (twice.Count > 0)
                what.Add($"column(s) named twice: {string.Join(", ", twice)}");
            return (null, $"line {header.Line}: the header row must name the columns {string.Join(",", ImportColumns.All)} (weekday and status optional): {string.Join("; ", what)}.");
        }
        var index = names.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);
        return (record =>
        {
            if (record.Fields.Count != names.Count)
                return (null, $"line {record.Line}: {record.Fields.Count} field(s), but the header names {names.Count}.");
            string Field(string name) => index.TryGetValue(name, out var i) ? record.Fields[i] : "";
            return (new ImportRow(record.Line, Field(ImportColumns.Email), Field(ImportColumns.Topics), Field(ImportColumns.Frequency),
                Field(ImportColumns.Hour), Field(ImportColumns.Zone), Field(ImportColumns.Weekday), Field(ImportColumns.Status)), null);
        }, null);
    }

    /// <summary>
    /// listmonk's "enabled" is a subscriber in good standing; "blocklisted" asked to get nothing and
    /// is not imported; "disabled" is not either. Its attributes may carry our fields.
    /// </summary>
    static (ImportRow?, string?) ListmonkRow(CsvRecord record)
    {
        if (record.Fields.Count < 5)
            return (null, $"line {record.Line}: {record.Fields.Count} field(s); a listmonk export has at least uuid,email,name,attributes,status.");
        var status = record.Fields[4].Trim().ToLowerInvariant();
        if (status != "enabled")
            return (null, $"line {record.Line}: listmonk marks {record.Fields[1]} as '{status}', not 'enabled'; not imported.");
        var attributes = record.Fields[3].Trim();
        Dictionary<string, string> fields;
        try
        {
            fields = attributes.Length == 0 ? [] : Fields(JsonDocument.Parse(attributes).RootElement);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return (null, $"line {record.Line}: the attributes are not a JSON object.");
        }
        return (RowOf(record.Line, fields, record.Fields[1]), null);
    }

    static async IAsyncEnumerable<(ImportRow?, string?)> JsonLinesAsync(TextReader reader)
    {
        var line = 0;
        while (await reader.ReadLineAsync() is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
                continue;
            Dictionary<string, string>? fields = null;
            string? problem = null;
            try
            {
                using var document = JsonDocument.Parse(text);
                fields = Fields(document.RootElement);
                var unknown = fields.Keys.Where(k => !ImportColumns.All.Contains(k)).ToList();
                if (unknown.Count > 0)
                    problem = $"unknown field(s) {string.Join(", ", unknown.Select(u => $"'{u}'"))}; the fields are {string.Join(", ", ImportColumns.All)}.";
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                problem = "not a JSON object on one line.";
            }
            yield return problem is null ? (RowOf(line, fields!, null), null) : (null, $"line {line}: {problem}");
        }
    }

    static ImportRow RowOf(int line, Dictionary<string, string> fields, string? email) => new(
        line,
        email ?? fields.GetValueOrDefault(ImportColumns.Email, ""),
        fields.GetValueOrDefault(ImportColumns.Topics, ""),
        fields.GetValueOrDefault(ImportColumns.Frequency, ""),
        fields.GetValueOrDefault(ImportColumns.Hour, ""),
        fields.GetValueOrDefault(ImportColumns.Zone, ""),
        fields.GetValueOrDefault(ImportColumns.Weekday, ""),
        fields.GetValueOrDefault(ImportColumns.Status, ""));

    /// <summary>An object's members as text: numbers as written, a topics array joined by <c>;</c>.</summary>
    static Dictionary<string, string> Fields(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new InvalidOperationException("not an object");
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            fields[property.Name] = property.Value.ValueKind switch
            {
                JsonValueKind.String => property.Value.GetString()!,
                JsonValueKind.Number => property.Value.GetRawText(),
                JsonValueKind.Array => string.Join(ImportColumns.TopicSeparator,
                    property.Value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText())),
                JsonValueKind.Null => "",
                _ => property.Value.GetRawText(),
            };
        }
        return fields;
    }

    /// <summary>A weekday as a number (0 = Sunday, as the form sends it) or an English name ("Monday", "mon").</summary>
    public static string WeekdayNumber(string weekday)
    {
        var trimmed = weekday.Trim();
        foreach (var day in Enum.GetValues<DayOfWeek>())
        {
            var name = day.ToString();
            if (trimmed.Equals(name, StringComparison.OrdinalIgnoreCase) || trimmed.Length == 3 && name.StartsWith(trimmed, StringComparison.OrdinalIgnoreCase))
                return ((int)day).ToString(CultureInfo.InvariantCulture);
        }
        return trimmed;
    }
}

namespace Digest.Subscriptions.Settings;

/// <summary>A form's problems, by field name; each page shows them next to their field and in a summary at the top.</summary>
internal sealed class FieldErrors
{
    public Dictionary<string, List<string>> ByField { get; } = new(StringComparer.Ordinal);

    public bool Any => ByField.Count > 0;

    public bool Has(string field) => ByField.ContainsKey(field);

    public void Add(string field, string message)
    {
        if (!ByField.TryGetValue(field, out var messages))
            ByField[field] = messages = [];
        messages.Add(message);
    }

    public void Add(string field, IEnumerable<string> messages)
    {
        foreach (var message in messages)
            Add(field, message);
    }
}

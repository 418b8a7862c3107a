using System.Diagnostics.CodeAnalysis;

namespace Digest.Subscriptions.Filters;

public sealed record ArxivCategory(string Code, string Name, string Group);

/// <summary>The arXiv categories a topic may be narrowed to, shipped with the service (arxiv-categories.tsv).</summary>
public static class ArxivCategories
{
    public static IReadOnlyList<ArxivCategory> All { get; } = Load();

    static readonly Dictionary<string, ArxivCategory> ByCode = All.ToDictionary(c => c.Code, StringComparer.OrdinalIgnoreCase);

    /// <summary>The category's code as arXiv writes it ("cs.cl" → "cs.CL").</summary>
    public static bool TryNormalise(string code, [NotNullWhen(true)] out string? normalised)
    {
        normalised = ByCode.TryGetValue(code.Trim(), out var category) ? category.Code : null;
        return normalised is not null;
    }

    static List<ArxivCategory> Load()
    {
        using var stream = typeof(ArxivCategories).Assembly.GetManifestResourceStream("arxiv-categories.tsv")
            ?? throw new InvalidOperationException("arxiv-categories.tsv is not embedded in the assembly.");
        using var reader = new StreamReader(stream);
        var categories = new List<ArxivCategory>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var fields = line.Split('\t');
            categories.Add(new ArxivCategory(fields[0], fields[1], fields[2]));
        }
        return categories;
    }
}

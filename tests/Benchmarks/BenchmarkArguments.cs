using System.Globalization;

namespace Digest.Benchmarks;

/// <summary>"--name value" and "--flag" arguments.</summary>
internal sealed class BenchmarkArguments
{
    readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);

    public static BenchmarkArguments Parse(string[] args)
    {
        var parsed = new BenchmarkArguments();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
                throw new ArgumentException($"unexpected argument {args[i]}");
            var hasValue = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
            parsed._values[args[i][2..]] = hasValue ? args[++i] : null;
        }
        return parsed;
    }

    public int Int(string name, int fallback) =>
        _values.TryGetValue(name, out var value) && value is not null ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public string String(string name, string fallback) =>
        _values.TryGetValue(name, out var value) && value is not null ? value : fallback;

    public bool Flag(string name) => _values.ContainsKey(name);
}

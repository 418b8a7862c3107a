using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Digest.Database;

/// <summary>One versioned schema change: <c>NNNN_name.sql</c>, applied once, in order, never edited afterwards.</summary>
public sealed partial record Migration(int Version, string Name, string Sql)
{
    /// <summary>SHA-256 of the script with line endings normalised, so a checkout's CRLF does not count as an edit.</summary>
    /// <remarks>Computed, not stored: a <c>with</c> copy that changes <see cref="Sql"/> must change it too.</remarks>
    public string Checksum => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql.ReplaceLineEndings("\n"))));

    /// <summary>The migrations embedded in this assembly (Database/Migrations/*.sql), in version order.</summary>
    public static IReadOnlyList<Migration> Embedded { get; } = Load(typeof(Migration).Assembly, "Digest.Migrations.");

    public static IReadOnlyList<Migration> Load(Assembly assembly, string resourcePrefix)
    {
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(resourcePrefix, StringComparison.Ordinal)))
        {
            var fileName = resource[resourcePrefix.Length..];
            var match = FileNamePattern().Match(fileName);
            if (!match.Success)
                throw new InvalidOperationException($"Migration file '{fileName}' must be named NNNN_name.sql.");
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            migrations.Add(new Migration(
                int.Parse(match.Groups["version"].Value, CultureInfo.InvariantCulture),
                match.Groups["name"].Value,
                reader.ReadToEnd()));
        }
        var duplicate = migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidOperationException($"Two migrations share version {duplicate.Key}: {string.Join(", ", duplicate.Select(m => m.Name))}.");
        return migrations.OrderBy(m => m.Version).ToList();
    }

    [GeneratedRegex(@"^(?<version>\d{4})_(?<name>[a-z0-9_]+)\.sql$")]
    private static partial Regex FileNamePattern();
}

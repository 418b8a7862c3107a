using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Digest.Papers;

/// <summary>
/// The key that dedupes papers across sources: the arXiv id without its version suffix
/// ("2509.04664", "hep-th/9901001"), or for a paper with no arXiv id a local one derived from its
/// title ("local-" and 16 hex digits of the SHA-256 of the normalised title).
/// </summary>
public static partial class PaperId
{
    public const string LocalPrefix = "local-";

    /// <summary>
    /// The stored form of an id as a feed spells it, or null when it is not an arXiv or local id.
    /// Accepts a version suffix, an "arXiv:" prefix and an abs/pdf URL, as the feeds write them.
    /// </summary>
    public static string? Normalise(string raw)
    {
        var id = raw.Trim();
        var url = AbsUrl().Match(id);
        if (url.Success)
            id = url.Groups["id"].Value;
        if (id.StartsWith("arXiv:", StringComparison.OrdinalIgnoreCase))
            id = id["arXiv:".Length..];
        if (LocalId().IsMatch(id))
            return id;
        var match = ArxivId().Match(id);
        return match.Success ? match.Groups["id"].Value : null;
    }

    /// <summary>The local id of a paper with no arXiv id, from its normalised title (see <see cref="PaperText"/>).</summary>
    public static string Local(string normalisedTitle) =>
        LocalPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalisedTitle)))[..16];

    public static bool IsArxiv(string id) => !id.StartsWith(LocalPrefix, StringComparison.Ordinal);

    // New style since 2007 (YYMM.NNNNN, four digits before 2015), and the old archive/YYMMNNN style.
    [GeneratedRegex(@"^(?<id>\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7})(?:v\d{1,3})?$")]
    private static partial Regex ArxivId();

    [GeneratedRegex(@"^local-[0-9a-f]{16}$")]
    private static partial Regex LocalId();

    [GeneratedRegex(@"^https?://(?:export\.)?arxiv\.org/(?:abs|pdf)/(?<id>[^?#]+?)(?:\.pdf)?$", RegexOptions.IgnoreCase)]
    private static partial Regex AbsUrl();
}

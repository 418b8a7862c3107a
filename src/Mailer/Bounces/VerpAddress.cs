using System.Diagnostics.CodeAnalysis;

namespace Digest.Mailer.Bounces;

/// <summary>
/// A return path with a token in its local part (VERP): <c>bounces+TOKEN@domain</c> from the base
/// <c>bounces@domain</c>. The Mailer only places and finds the token; what it means is the caller's.
/// </summary>
public static class VerpAddress
{
    public const char Delimiter = '+';

    public static MailboxAddress Create(MailboxAddress baseAddress, string token) =>
        MailboxAddress.Parse($"{baseAddress.LocalPart}{Delimiter}{token}@{baseAddress.Domain}");

    /// <summary>The token in <paramref name="address"/> when it is the base address with one; letter case is ignored (some relays fold it).</summary>
    public static bool TryReadToken(MailboxAddress baseAddress, string? address, [NotNullWhen(true)] out string? token)
    {
        token = null;
        if (string.IsNullOrEmpty(address))
            return false;
        var trimmed = address.Trim().Trim('<', '>');
        var at = trimmed.LastIndexOf('@');
        if (at <= 0 || !string.Equals(trimmed[(at + 1)..], baseAddress.Domain, StringComparison.OrdinalIgnoreCase))
            return false;
        var prefix = baseAddress.LocalPart + Delimiter;
        var local = trimmed[..at];
        if (local.Length <= prefix.Length || !local.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            return false;
        token = local[prefix.Length..];
        return true;
    }
}

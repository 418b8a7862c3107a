using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Digest.Subscriptions.Confirm;

/// <summary>
/// A confirmation link's token: a 96-bit selector that finds the row and a 192-bit verifier, both
/// from the CSPRNG, base64url (48 characters). Only SHA-256(verifier) is stored, and it is compared
/// in constant time, so neither a database leak nor response timing gives a working link away.
/// </summary>
internal sealed record ConfirmationToken(string Text, byte[] Selector, byte[] VerifierHash)
{
    const int SelectorBytes = 12;
    const int VerifierBytes = 24;
    const int Length = 48; // base64url of 36 bytes

    public static ConfirmationToken Create()
    {
        var bytes = RandomNumberGenerator.GetBytes(SelectorBytes + VerifierBytes);
        return new ConfirmationToken(Base64Url.EncodeToString(bytes), bytes[..SelectorBytes], SHA256.HashData(bytes.AsSpan(SelectorBytes)));
    }

    public static bool TryParse(string? text, [NotNullWhen(true)] out ConfirmationToken? token)
    {
        token = null;
        Span<byte> bytes = stackalloc byte[SelectorBytes + VerifierBytes];
        if (text is not { Length: Length } || !Base64Url.IsValid(text)
            || !Base64Url.TryDecodeFromChars(text, bytes, out var written) || written != bytes.Length)
            return false;
        token = new ConfirmationToken(text, bytes[..SelectorBytes].ToArray(), SHA256.HashData(bytes[SelectorBytes..]));
        return true;
    }

    /// <summary>Whether this token's verifier is the one whose hash was stored.</summary>
    public bool Matches(byte[] storedHash) => CryptographicOperations.FixedTimeEquals(storedHash, VerifierHash);
}

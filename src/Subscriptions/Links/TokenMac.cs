using System.Security.Cryptography;

namespace Digest.Subscriptions.Links;

/// <summary>
/// The MAC both link tokens and return-path tokens carry: HMAC-SHA256(key, label ‖ purpose ‖ payload)
/// cut to the length the token leaves room for. One place, so the two cannot drift apart in how
/// they separate their domains (label and purpose) or how they compare (constant time).
/// The layout is fixed: links and return paths already sent are checked against it.
/// </summary>
internal static class TokenMac
{
    // The longest label ‖ purpose ‖ payload either token signs, with room to spare; kept on the stack.
    const int MaxMessage = 128;

    public static void Write(byte[] key, ReadOnlySpan<byte> label, LinkPurpose purpose, ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        var length = label.Length + 1 + payload.Length;
        if (length > MaxMessage)
            throw new ArgumentException("A token's payload is longer than a token MAC signs.", nameof(payload));
        Span<byte> message = stackalloc byte[MaxMessage];
        label.CopyTo(message);
        message[label.Length] = (byte)purpose;
        payload.CopyTo(message[(label.Length + 1)..]);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, message[..length], mac);
        mac[..destination.Length].CopyTo(destination);
    }

    /// <summary>Whether <paramref name="mac"/> is the MAC of the payload; compared in constant time.</summary>
    public static bool Matches(byte[] key, ReadOnlySpan<byte> label, LinkPurpose purpose, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> mac)
    {
        Span<byte> expected = stackalloc byte[mac.Length];
        Write(key, label, purpose, payload, expected);
        return CryptographicOperations.FixedTimeEquals(expected, mac);
    }
}

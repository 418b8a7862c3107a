using System.Buffers.Binary;
using System.Buffers.Text;

namespace Digest.Subscriptions.Links;

/// <summary>What a long-lived link lets its holder do; part of the MAC, so one kind of link cannot stand in for another.</summary>
public enum LinkPurpose : byte
{
    Manage = 1,
    Unsubscribe = 2,
    ViewIssue = 3,

    /// <summary>A return path's token (<see cref="BounceToken"/>): it can only say which mail bounced, never act as a link.</summary>
    Bounce = 4,
}

/// <summary>
/// The token in a manage, unsubscribe or view-in-browser link: the id it is about (8 bytes) and
/// HMAC-SHA256(server key, purpose ‖ id ‖ generation) cut to 24 bytes (192 bits), base64url — 43
/// characters. Nothing per subscriber is stored: the link is checked by computing the MAC again
/// with the subscriber's current link generation, so bumping the generation (or deleting the
/// subscriber) revokes every link sent so far, and links otherwise work for as long as the key.
/// </summary>
internal static class LinkToken
{
    const int IdBytes = 8;
    const int MacBytes = 24;
    const int TokenBytes = IdBytes + MacBytes;
    public const int Length = 43; // base64url of 32 bytes, unpadded

    // Domain separation: this key's MACs mean "a Digest link", version 1 of the layout.
    static ReadOnlySpan<byte> Label => "digest-link-v1"u8;

    public static string Create(byte[] key, LinkPurpose purpose, long id, int generation)
    {
        Span<byte> token = stackalloc byte[TokenBytes];
        BinaryPrimitives.WriteInt64BigEndian(token, id);
        Span<byte> signed = stackalloc byte[IdBytes + 4];
        Signed(id, generation, signed);
        TokenMac.Write(key, Label, purpose, signed, token[IdBytes..]);
        return Base64Url.EncodeToString(token);
    }

    /// <summary>Reads the id a well-formed token claims to be about; says nothing about whether it is genuine.</summary>
    public static bool TryReadId(string? token, out long id)
    {
        id = 0;
        Span<byte> bytes = stackalloc byte[TokenBytes];
        if (!TryDecode(token, bytes))
            return false;
        id = BinaryPrimitives.ReadInt64BigEndian(bytes);
        return id > 0;
    }

    /// <summary>Whether the token is genuine for this purpose and generation; the MACs are compared in constant time.</summary>
    public static bool Verify(byte[] key, string? token, LinkPurpose purpose, int generation)
    {
        Span<byte> bytes = stackalloc byte[TokenBytes];
        if (!TryDecode(token, bytes))
            return false;
        Span<byte> signed = stackalloc byte[IdBytes + 4];
        Signed(BinaryPrimitives.ReadInt64BigEndian(bytes), generation, signed);
        return TokenMac.Matches(key, Label, purpose, signed, bytes[IdBytes..]);
    }

    // What the MAC covers after the purpose: the id, then the generation (which the token does not carry).
    static void Signed(long id, int generation, Span<byte> destination)
    {
        BinaryPrimitives.WriteInt64BigEndian(destination, id);
        BinaryPrimitives.WriteInt32BigEndian(destination[IdBytes..], generation);
    }

    static bool TryDecode(string? token, Span<byte> bytes) =>
        token is { Length: Length }
        && Base64Url.IsValid(token)
        && Base64Url.TryDecodeFromChars(token, bytes, out var written)
        && written == TokenBytes;
}

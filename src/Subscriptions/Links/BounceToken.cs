using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace Digest.Subscriptions.Links;

/// <summary>Which kind of mail a return path belongs to.</summary>
public enum BouncedMail : byte
{
    /// <summary>A digest issue: the token's mail id is digest_issues.id.</summary>
    DigestIssue = 1,

    /// <summary>A confirmation or notice: its outbox row does not exist yet when the mail is written, so the mail id is 0.</summary>
    Transactional = 2,
}

/// <summary>What a genuine return-path token says: which mail, to which subscriber, sent which day (UTC).</summary>
public sealed record BounceToken(BouncedMail Mail, long SubscriberId, long MailId, DateOnly Sent)
{
    const int MacBytes = 10; // 80 bits: a forger gets one guess per report they manage to deliver
    const int MaxBytes = 1 + 2 + 9 + 9 + MacBytes;
    static readonly DateOnly Epoch = new(2020, 1, 1);

    // Lower-case base32 (RFC 4648 alphabet): local parts are matched case-insensitively by many
    // relays, and base64's mixed case would not survive them.
    const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    /// <summary>The longest token: base32 of the largest ids, unpadded. Checked against the local part's 64 octets at start.</summary>
    public const int MaxLength = (MaxBytes * 8 + 4) / 5;

    // Domain separation from the links' MACs, which use the same key.
    static ReadOnlySpan<byte> Label => "digest-bounce-v1"u8;

    public string Create(byte[] key)
    {
        Span<byte> bytes = stackalloc byte[MaxBytes];
        var length = WritePayload(bytes);
        TokenMac.Write(key, Label, LinkPurpose.Bounce, bytes[..length], bytes.Slice(length, MacBytes));
        return Base32(bytes[..(length + MacBytes)]);
    }

    /// <summary>Reads a token and checks its MAC (constant time); a malformed or forged one gives false.</summary>
    public static bool TryRead(byte[] key, string? text, [NotNullWhen(true)] out BounceToken? token)
    {
        token = null;
        Span<byte> bytes = stackalloc byte[MaxBytes + 1];
        if (text is null || text.Length > MaxLength || !TryDecodeBase32(text, bytes, out var total) || total <= MacBytes + 3)
            return false;
        var payload = bytes[..(total - MacBytes)];
        if (!TokenMac.Matches(key, Label, LinkPurpose.Bounce, payload, bytes.Slice(payload.Length, MacBytes)))
            return false;
        var mail = (BouncedMail)payload[0];
        if (!Enum.IsDefined(mail))
            return false;
        var day = BinaryPrimitives.ReadUInt16BigEndian(payload[1..]);
        ReadOnlySpan<byte> rest = payload[3..];
        if (!TryReadVarint(ref rest, out var subscriberId) || !TryReadVarint(ref rest, out var mailId) || rest.Length != 0)
            return false;
        token = new BounceToken(mail, (long)subscriberId, (long)mailId, Epoch.AddDays(day));
        return true;
    }

    int WritePayload(Span<byte> bytes)
    {
        if (SubscriberId <= 0 || MailId < 0)
            throw new InvalidOperationException("A bounce token needs a positive subscriber id and a mail id of 0 or more.");
        bytes[0] = (byte)Mail;
        BinaryPrimitives.WriteUInt16BigEndian(bytes[1..], checked((ushort)(Sent.DayNumber - Epoch.DayNumber)));
        var written = 3;
        written += WriteVarint(bytes[written..], (ulong)SubscriberId);
        written += WriteVarint(bytes[written..], (ulong)MailId);
        return written;
    }

    // LEB128: 7 bits a byte, so the ids of a young installation cost two or three bytes, not eight.
    static int WriteVarint(Span<byte> destination, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[i++] = (byte)value;
        return i;
    }

    static bool TryReadVarint(ref ReadOnlySpan<byte> source, out ulong value)
    {
        value = 0;
        for (var i = 0; i < 9 && i < source.Length; i++)
        {
            value |= (ulong)(source[i] & 0x7F) << (7 * i);
            if ((source[i] & 0x80) == 0)
            {
                source = source[(i + 1)..];
                return value <= long.MaxValue;
            }
        }
        return false;
    }

    static string Base32(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[(bytes.Length * 8 + 4) / 5];
        int buffer = 0, bits = 0, c = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                chars[c++] = Alphabet[(buffer >> (bits - 5)) & 31];
                bits -= 5;
            }
        }
        if (bits > 0)
            chars[c++] = Alphabet[(buffer << (5 - bits)) & 31];
        return new string(chars, 0, c);
    }

    static bool TryDecodeBase32(string text, Span<byte> destination, out int written)
    {
        written = 0;
        int buffer = 0, bits = 0;
        foreach (var ch in text)
        {
            var lower = char.ToLowerInvariant(ch);
            var value = lower is >= 'a' and <= 'z' ? lower - 'a' : lower is >= '2' and <= '7' ? lower - '2' + 26 : -1;
            if (value < 0)
                return false;
            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                if (written == destination.Length)
                    return false;
                destination[written++] = (byte)(buffer >> (bits - 8));
                bits -= 8;
            }
        }
        // Leftover bits must be the zero padding Base32 wrote, or two spellings would mean one token.
        return (buffer & ((1 << bits) - 1)) == 0;
    }
}

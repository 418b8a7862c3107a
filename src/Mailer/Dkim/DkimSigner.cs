using System.Security.Cryptography;
using System.Text;
using Digest.Mailer.Mime;

namespace Digest.Mailer.Dkim;

/// <summary>
/// Signs messages with DKIM (RFC 6376): rsa-sha256, relaxed/relaxed, no l= tag. Signs the final
/// bytes, which nothing re-encodes afterwards (the writer's output is 7-bit). Every header in
/// <see cref="SignedHeaders"/> is listed once more than it occurs, so none can be added later
/// without breaking the signature. Safe for concurrent use.
/// </summary>
public sealed class DkimSigner : IDisposable
{
    /// <summary>From is mandatory; the list headers must be signed for one-click unsubscribe (RFC 8058 §4).</summary>
    public static IReadOnlyList<string> SignedHeaders { get; } =
    [
        "From", "Reply-To", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type",
        "Content-Transfer-Encoding", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post", "Feedback-ID",
    ];

    const int MaxHeaders = 128;

    readonly byte[] _pkcs8;
    // RSA objects are not documented as thread-safe: one per thread, all from the same key.
    readonly ThreadLocal<RSA> _keys;
    readonly byte[] _tagsStart;

    public DkimSigner(string domain, string selector, RSA key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!IsDomainName(domain))
            throw new ArgumentException($"DKIM domain \"{domain}\" is not a domain name.", nameof(domain));
        if (!IsDomainName(selector))
            throw new ArgumentException($"DKIM selector \"{selector}\" is not a selector (labels of letters, digits and hyphens).", nameof(selector));
        if (key.KeySize < 1024)
            throw new ArgumentException($"A DKIM key of {key.KeySize} bits is too short: receivers ignore keys under 1024 bits (RFC 8301); use 2048.", nameof(key));
        Domain = domain;
        Selector = selector;
        KeySize = key.KeySize;
        _pkcs8 = key.ExportPkcs8PrivateKey();
        _keys = new ThreadLocal<RSA>(() =>
        {
            var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(_pkcs8, out _);
            return rsa;
        }, trackAllValues: true);
        _tagsStart = Encoding.ASCII.GetBytes($"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d={domain}; s={selector};\r\n\tt=");
    }

    /// <summary>Reads an RSA private key from a PEM file (PKCS#1 "RSA PRIVATE KEY" or PKCS#8 "PRIVATE KEY").</summary>
    public static DkimSigner FromPemFile(string domain, string selector, string privateKeyPath)
    {
        using var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(File.ReadAllText(privateKeyPath));
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{privateKeyPath} holds no RSA private key in PEM form: {e.Message}", nameof(privateKeyPath), e);
        }
        return new DkimSigner(domain, selector, rsa);
    }

    public string Domain { get; }
    public string Selector { get; }
    public int KeySize { get; }

    /// <summary>Puts a DKIM-Signature header in front of the message.</summary>
    internal void Sign(MessageBuffer message, DateTimeOffset now)
    {
        var bytes = message.Span;
        Span<(int Start, int Colon, int End)> fields = stackalloc (int, int, int)[MaxHeaders];
        var count = 0;
        var position = 0;
        while (position < bytes.Length && !bytes[position..].StartsWith("\r\n"u8))
        {
            var colon = bytes[position..].IndexOf((byte)':') + position;
            var end = position;
            do
            {
                end = bytes[end..].IndexOf("\r\n"u8) + end + 2;
            }
            while (end < bytes.Length && bytes[end] is (byte)' ' or (byte)'\t');
            if (count == MaxHeaders)
                throw new InvalidMessageException(nameof(EmailMessage.Headers), $"has more than {MaxHeaders} header fields to sign.");
            fields[count++] = (position, colon, end);
            position = end;
        }
        var body = bytes[Math.Min(position + 2, bytes.Length)..];

        using var signed = new MessageBuffer(4096, headroom: 0);
        var tags = new StringBuilder(256);
        tags.Append(now.ToUnixTimeSeconds()).Append("; h=");
        var lineLength = 4;
        var first = true;
        foreach (var name in SignedHeaders)
        {
            // Instances are taken from the bottom up (RFC 6376 §5.4.2); one more entry than there
            // are instances signs the absence of another.
            var instances = 0;
            for (var i = count - 1; i >= 0; i--)
            {
                if (!NameIs(bytes, fields[i], name))
                    continue;
                instances++;
                RelaxedCanonicalization.Header(signed, bytes[fields[i].Start..fields[i].End]);
            }
            for (var n = 0; n <= instances; n++)
            {
                if (!first)
                {
                    tags.Append(':');
                    lineLength++;
                }
                if (lineLength + name.Length > 70)
                {
                    tags.Append("\r\n\t ");
                    lineLength = 2;
                }
                tags.Append(name);
                lineLength += name.Length;
                first = false;
            }
        }
        tags.Append(";\r\n\tbh=").Append(BodyHash(body)).Append(";\r\n\tb=");

        var header = new byte[_tagsStart.Length + Encoding.ASCII.GetByteCount(tags.ToString())];
        _tagsStart.CopyTo(header, 0);
        Encoding.ASCII.GetBytes(tags.ToString(), header.AsSpan(_tagsStart.Length));
        RelaxedCanonicalization.Header(signed, header, lineEnd: false);
        var signature = Convert.ToBase64String(_keys.Value!.SignData(signed.Span, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

        var complete = new StringBuilder(signature.Length + 16);
        for (var i = 0; i < signature.Length; i += 72)
        {
            if (i > 0)
                complete.Append("\r\n\t ");
            complete.Append(signature.AsSpan(i, Math.Min(72, signature.Length - i)));
        }
        complete.Append("\r\n");
        var full = new byte[header.Length + complete.Length];
        header.CopyTo(full, 0);
        Encoding.ASCII.GetBytes(complete.ToString(), full.AsSpan(header.Length));
        message.Prepend(full);
    }

    static string BodyHash(ReadOnlySpan<byte> body)
    {
        Span<byte> hash = stackalloc byte[32];
        if (RelaxedCanonicalization.IsCanonicalBody(body))
        {
            SHA256.HashData(body, hash);
        }
        else
        {
            using var canonical = new MessageBuffer(body.Length + 2, headroom: 0);
            RelaxedCanonicalization.Body(canonical, body);
            SHA256.HashData(canonical.Span, hash);
        }
        return Convert.ToBase64String(hash);
    }

    static bool NameIs(ReadOnlySpan<byte> bytes, (int Start, int Colon, int End) field, string name)
    {
        var fieldName = bytes[field.Start..field.Colon].TrimEnd(" \t"u8);
        if (fieldName.Length != name.Length)
            return false;
        for (var i = 0; i < name.Length; i++)
        {
            if (char.ToLowerInvariant((char)fieldName[i]) != char.ToLowerInvariant(name[i]))
                return false;
        }
        return true;
    }

    static bool IsDomainName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 253
        && name.Split('.').All(label => label.Length is > 0 and <= 63 && label[0] != '-' && label[^1] != '-'
            && label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));

    public void Dispose()
    {
        foreach (var key in _keys.Values)
            key.Dispose();
        _keys.Dispose();
        CryptographicOperations.ZeroMemory(_pkcs8);
    }
}

namespace Digest.Mailer.Smtp;

/// <summary>What the server said it supports in its EHLO reply; nothing at all after HELO.</summary>
public sealed record SmtpCapabilities
{
    public static SmtpCapabilities None { get; } = new();

    public bool Esmtp { get; init; }
    public bool Pipelining { get; init; }

    /// <summary>RFC 1870 SIZE: the largest message the server takes, or null when it names no limit.</summary>
    public long? MaxSize { get; init; }

    public bool SizeExtension { get; init; }
    public bool EightBitMime { get; init; }
    public bool SmtpUtf8 { get; init; }
    public bool StartTls { get; init; }
    public bool EnhancedStatusCodes { get; init; }
    public IReadOnlySet<string> AuthMechanisms { get; init; } = new HashSet<string>();

    public static SmtpCapabilities Parse(SmtpReply ehlo)
    {
        var capabilities = new SmtpCapabilities { Esmtp = true };
        var mechanisms = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        // The first line is the server's greeting name; each further line is one extension.
        foreach (var line in ehlo.Lines.Skip(1))
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
                continue;
            var keyword = words[0].ToUpperInvariant();
            capabilities = keyword switch
            {
                "PIPELINING" => capabilities with { Pipelining = true },
                "SIZE" => capabilities with
                {
                    SizeExtension = true,
                    MaxSize = words.Length > 1 && long.TryParse(words[1], System.Globalization.CultureInfo.InvariantCulture, out var size) && size > 0 ? size : null,
                },
                "8BITMIME" => capabilities with { EightBitMime = true },
                "SMTPUTF8" => capabilities with { SmtpUtf8 = true },
                "STARTTLS" => capabilities with { StartTls = true },
                "ENHANCEDSTATUSCODES" => capabilities with { EnhancedStatusCodes = true },
                _ => capabilities,
            };
            // "AUTH PLAIN LOGIN", and the pre-standard "AUTH=PLAIN LOGIN" some servers still send.
            if (keyword == "AUTH" || keyword.StartsWith("AUTH=", StringComparison.Ordinal))
            {
                if (keyword.Length > 5)
                    mechanisms.Add(keyword[5..]);
                foreach (var mechanism in words.Skip(1))
                    mechanisms.Add(mechanism);
            }
        }
        return capabilities with { AuthMechanisms = mechanisms };
    }
}

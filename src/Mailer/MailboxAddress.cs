using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Digest.Mailer;

/// <summary>
/// A mailbox: an address (local-part@domain) and an optional display name. Parsing enforces what
/// can be delivered: RFC 5321 length limits (in octets), no CR/LF/NUL or other control characters,
/// a dot-atom local part (ASCII, or UTF-8 as RFC 6531 allows: such an address needs a relay that
/// offers SMTPUTF8), and a domain of valid labels (internationalised domains are carried in their
/// ASCII, punycode form).
/// </summary>
public sealed record MailboxAddress
{
    public const int MaxAddressLength = 254;
    public const int MaxLocalPartLength = 64;
    public const int MaxDomainLength = 253;

    MailboxAddress(string address, string? name, bool isInternational)
    {
        Address = address;
        Name = name;
        IsInternational = isInternational;
    }

    /// <summary>local-part@domain, the domain in ASCII (punycode) form.</summary>
    public string Address { get; }

    /// <summary>The display name, if any: free text, trimmed, whitespace runs made one space; encoded when written.</summary>
    public string? Name { get; }

    /// <summary>The local part has non-ASCII characters: delivery needs SMTPUTF8 (RFC 6531).</summary>
    public bool IsInternational { get; }

    public string LocalPart => Address[..Address.LastIndexOf('@')];
    public string Domain => Address[(Address.LastIndexOf('@') + 1)..];

    public static MailboxAddress Parse(string address, string? name = null) =>
        TryParse(address, out var mailbox, out var error, name) ? mailbox : throw new FormatException(error);

    /// <param name="address">A bare address, as typed into a form (surrounding spaces are ignored).</param>
    /// <param name="error">Why the address was refused, in words a person understands.</param>
    public static bool TryParse(string? address, [NotNullWhen(true)] out MailboxAddress? mailbox, [NotNullWhen(false)] out string? error, string? name = null)
    {
        mailbox = null;
        if (name is not null && (error = CheckName(name)) is not null)
            return false;
        if (string.IsNullOrWhiteSpace(address))
        {
            error = "Enter an email address.";
            return false;
        }
        if (address.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
        {
            error = "An email address may not contain line breaks or NUL characters.";
            return false;
        }
        address = address.Trim();
        var at = address.LastIndexOf('@');
        if (at <= 0 || at == address.Length - 1)
        {
            error = "An email address needs a name, an @ and a domain, like ada@example.org.";
            return false;
        }
        if (!TryNormaliseLocalPart(address[..at], out var local, out var international, out error))
            return false;
        if (!TryNormaliseDomain(address[(at + 1)..], out var domain, out error))
            return false;
        var normalised = local + "@" + domain;
        if (Encoding.UTF8.GetByteCount(normalised) > MaxAddressLength)
        {
            error = $"An email address may be at most {MaxAddressLength} characters.";
            return false;
        }
        mailbox = new MailboxAddress(normalised, string.IsNullOrWhiteSpace(name) ? null : NormaliseName(name), international);
        error = null;
        return true;
    }

    /// <summary>
    /// Trimmed, each run of spaces and tabs made one space: between the words of a display name
    /// (an RFC 5322 phrase) any run of whitespace means one space, and readers treat it so.
    /// </summary>
    static string NormaliseName(string name)
    {
        name = name.Trim();
        if (!name.Contains('\t', StringComparison.Ordinal) && !name.Contains("  ", StringComparison.Ordinal))
            return name;
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            var space = c is ' ' or '\t';
            if (space && builder.Length > 0 && builder[^1] == ' ')
                continue;
            builder.Append(space ? ' ' : c);
        }
        return builder.ToString();
    }

    static string? CheckName(string name)
    {
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c is '\r' or '\n' or '\0')
                return "The name may not contain line breaks or NUL characters.";
            if (char.IsControl(c) && c != '\t')
                return "The name may not contain control characters.";
            if (char.IsSurrogate(c))
            {
                if (char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
                    i++;
                else
                    return "The name is not valid Unicode (an unpaired surrogate).";
            }
        }
        return null;
    }

    static bool TryNormaliseLocalPart(string local, [NotNullWhen(true)] out string? normalised, out bool international, [NotNullWhen(false)] out string? error)
    {
        normalised = null;
        international = false;
        foreach (var c in local)
            international |= c > '\u007f';
        if (international)
        {
            // RFC 6532 §3.1: UTF-8 in addresses should be in Normalization Form C. Normalising
            // refuses invalid Unicode (an unpaired surrogate) with an exception.
            try
            {
                if (!local.IsNormalized(NormalizationForm.FormC))
                    local = local.Normalize(NormalizationForm.FormC);
            }
            catch (ArgumentException)
            {
                error = "The part before the @ may only contain letters, digits and ! # $ % & ' * + - / = ? ^ _ ` { | } ~ and single dots (it is not valid Unicode).";
                return false;
            }
        }
        if (Encoding.UTF8.GetByteCount(local) > MaxLocalPartLength)
        {
            error = $"The part before the @ may be at most {MaxLocalPartLength} characters.";
            return false;
        }
        if (!IsDotAtom(local))
        {
            error = "The part before the @ may only contain letters, digits and ! # $ % & ' * + - / = ? ^ _ ` { | } ~ and single dots.";
            return false;
        }
        normalised = local;
        error = null;
        return true;
    }

    static bool IsDotAtom(string local)
    {
        if (local[0] == '.' || local[^1] == '.' || local.Contains("..", StringComparison.Ordinal))
            return false;
        for (var i = 0; i < local.Length; i++)
        {
            var c = local[i];
            if (c == '.' || Mime.HeaderText.IsAtext(c))
                continue;
            if (c > '\u007f' && Rune.TryGetRuneAt(local, i, out var rune) && IsUtf8Atext(rune))
            {
                i += rune.Utf16SequenceLength - 1;
                continue;
            }
            return false;
        }
        return true;
    }

    /// <summary>RFC 6531 atext beyond ASCII: letters, marks, digits, punctuation and symbols; never spaces, controls or unassigned code points.</summary>
    static bool IsUtf8Atext(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
            or UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned => false,
        _ => true,
    };

    static bool TryNormaliseDomain(string domain, [NotNullWhen(true)] out string? ascii, [NotNullWhen(false)] out string? error)
    {
        ascii = null;
        domain = domain.TrimEnd('.');
        if (domain.Length == 0)
        {
            error = "The domain after the @ is not a valid domain name.";
            return false;
        }
        if (domain[0] == '[')
        {
            error = "The domain after the @ must be a name, not an IP address.";
            return false;
        }
        try
        {
            ascii = new IdnMapping { UseStd3AsciiRules = true }.GetAscii(domain).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            error = "The domain after the @ is not a valid domain name.";
            return false;
        }
        var labels = ascii.Split('.');
        if (labels.Length < 2)
        {
            error = "The domain after the @ needs at least one dot, like example.org.";
            return false;
        }
        if (ascii.Length > MaxDomainLength || labels.Any(l => l.Length is 0 or > 63 || l[0] == '-' || l[^1] == '-'))
        {
            error = "The domain after the @ is not a valid domain name.";
            return false;
        }
        if (labels[^1].All(char.IsAsciiDigit))
        {
            error = "The domain after the @ must be a name, not an IP address.";
            return false;
        }
        error = null;
        return true;
    }

    public override string ToString() => Name is null ? Address : $"{Name} <{Address}>";
}

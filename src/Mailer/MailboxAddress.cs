using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Digest.Mailer;

/// <summary>
/// A mailbox: an address (local-part@domain) and an optional display name. Parsing enforces what
/// can be delivered: RFC 5321 length limits, no CR/LF/NUL, a dot-atom local part, and a domain of
/// valid labels (internationalised domains are carried in their ASCII, punycode form).
/// </summary>
public sealed record MailboxAddress
{
    public const int MaxAddressLength = 254;
    public const int MaxLocalPartLength = 64;

    MailboxAddress(string address, string? name)
    {
        Address = address;
        Name = name;
    }

    /// <summary>local-part@domain, the domain in ASCII (punycode) form.</summary>
    public string Address { get; }

    /// <summary>The display name, if any; free text, encoded when written.</summary>
    public string? Name { get; }

    public string LocalPart => Address[..Address.LastIndexOf('@')];
    public string Domain => Address[(Address.LastIndexOf('@') + 1)..];

    public static MailboxAddress Parse(string address, string? name = null) =>
        TryParse(address, out var mailbox, out var error, name) ? mailbox : throw new FormatException(error);

    /// <param name="address">A bare address, as typed into a form (surrounding spaces are ignored).</param>
    /// <param name="error">Why the address was refused, in words a person understands.</param>
    public static bool TryParse(string? address, [NotNullWhen(true)] out MailboxAddress? mailbox, [NotNullWhen(false)] out string? error, string? name = null)
    {
        mailbox = null;
        if (name is not null && name.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
        {
            error = "The name may not contain line breaks or NUL characters.";
            return false;
        }
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
        var local = address[..at];
        if (!TryNormaliseDomain(address[(at + 1)..], out var domain, out error))
            return false;
        if (local.Length > MaxLocalPartLength)
        {
            error = $"The part before the @ may be at most {MaxLocalPartLength} characters.";
            return false;
        }
        if (!IsDotAtom(local))
        {
            error = "The part before the @ may only contain letters, digits and ! # $ % & ' * + - / = ? ^ _ ` { | } ~ and single dots.";
            return false;
        }
        var normalised = local + "@" + domain;
        if (normalised.Length > MaxAddressLength)
        {
            error = $"An email address may be at most {MaxAddressLength} characters.";
            return false;
        }
        mailbox = new MailboxAddress(normalised, string.IsNullOrWhiteSpace(name) ? null : name.Trim());
        error = null;
        return true;
    }

    static bool IsDotAtom(string local)
    {
        if (local[0] == '.' || local[^1] == '.' || local.Contains("..", StringComparison.Ordinal))
            return false;
        foreach (var c in local)
        {
            if (c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '.')
                continue;
            if ("!#$%&'*+-/=?^_`{|}~".Contains(c, StringComparison.Ordinal))
                continue;
            return false;
        }
        return true;
    }

    static bool TryNormaliseDomain(string domain, [NotNullWhen(true)] out string? ascii, [NotNullWhen(false)] out string? error)
    {
        ascii = null;
        domain = domain.TrimEnd('.');
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
        if (labels.Any(l => l.Length is 0 or > 63 || l[0] == '-' || l[^1] == '-'))
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

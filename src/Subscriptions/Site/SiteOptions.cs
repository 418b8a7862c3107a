using System.Diagnostics.CodeAnalysis;
using Digest.Mailer;
using Microsoft.Extensions.Options;

namespace Digest.Subscriptions.Site;

/// <summary>The service's public face: where its links point and who its mail is from.</summary>
public sealed class SiteOptions
{
    public const string Section = "Digest";

    /// <summary>
    /// The URL people reach the service at (e.g. https://digest.example.org), used in every link in
    /// every mail. Unset: the service's own listening URL.
    /// </summary>
    public string? PublicUrl { get; set; }

    /// <summary>The From of every mail: "Name &lt;address&gt;" or a bare address.</summary>
    public string From { get; set; } = "Digest <digest@digest.localhost>";

    /// <summary>
    /// The reverse proxies (IP addresses) whose X-Forwarded-For and X-Forwarded-Proto are believed.
    /// Empty with <see cref="KnownNetworks"/>: nobody's are, and every client is the connection's peer.
    /// </summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>The entries that say something (an environment file may leave one empty).</summary>
    public IEnumerable<string> Proxies => KnownProxies.Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => p.Trim());

    public IEnumerable<string> Networks => KnownNetworks.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => n.Trim());

    /// <summary>As <see cref="KnownProxies"/>, whole networks in CIDR form (10.0.0.0/8, fd00::/8).</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>People reach the site over https: it then sends HSTS and only Secure cookies.</summary>
    public bool IsHttps => !string.IsNullOrWhiteSpace(PublicUrl) && TryParsePublicUrl(PublicUrl, out var url) && url.Scheme == Uri.UriSchemeHttps;

    internal static bool TryParseFrom(string? value, [NotNullWhen(true)] out MailboxAddress? from, [NotNullWhen(false)] out string? error)
    {
        value = value?.Trim() ?? "";
        var open = value.LastIndexOf('<');
        if (open >= 0 && value.EndsWith('>'))
        {
            var name = value[..open].Trim().Trim('"').Trim();
            return MailboxAddress.TryParse(value[(open + 1)..^1], out from, out error, name.Length == 0 ? null : name);
        }
        return MailboxAddress.TryParse(value, out from, out error);
    }

    internal static bool TryParsePublicUrl(string value, [NotNullWhen(true)] out Uri? url)
    {
        url = null;
        // The root of a site only: the pages link to /assets/…, /manage/… and so on, so the service
        // cannot live under a path prefix.
        if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out var parsed)
            || parsed.Scheme is not ("http" or "https")
            || parsed.AbsolutePath != "/" || parsed.Query.Length > 0 || parsed.Fragment.Length > 0 || parsed.UserInfo.Length > 0)
            return false;
        url = parsed;
        return true;
    }
}

internal sealed class SiteOptionsValidation : IValidateOptions<SiteOptions>
{
    public ValidateOptionsResult Validate(string? name, SiteOptions options)
    {
        var failures = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.PublicUrl) && !SiteOptions.TryParsePublicUrl(options.PublicUrl, out _))
            failures.Add($"{SiteOptions.Section}:PublicUrl must be the absolute http or https URL of the site's root (no path, query or fragment), like https://digest.example.org.");
        foreach (var proxy in options.Proxies.Where(p => !System.Net.IPAddress.TryParse(p, out _)))
            failures.Add($"{SiteOptions.Section}:KnownProxies: '{proxy}' is not an IP address (write 10.0.0.2 or fd00::2; a network goes in KnownNetworks).");
        foreach (var network in options.Networks.Where(n => !System.Net.IPNetwork.TryParse(n, out _)))
            failures.Add($"{SiteOptions.Section}:KnownNetworks: '{network}' is not a network in CIDR form (write 10.0.0.0/8 or fd00::/8).");
        if (!SiteOptions.TryParseFrom(options.From, out _, out var error))
            failures.Add($"{SiteOptions.Section}:From must be an address or \"Name <address>\": {error}");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

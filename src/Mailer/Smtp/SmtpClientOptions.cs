using System.ComponentModel.DataAnnotations;

namespace Digest.Mailer.Smtp;

/// <summary>Where and how one SMTP session connects. Bound from configuration as part of a relay.</summary>
public class SmtpClientOptions
{
    [Required]
    public string Host { get; set; } = "";

    [Range(1, 65535)]
    public int Port { get; set; } = 25;

    public TlsMode Tls { get; set; } = TlsMode.Opportunistic;

    /// <summary>
    /// A PEM certificate (never a key) to trust for this relay besides the system's roots: a relay
    /// with a self-signed or private-CA certificate.
    /// </summary>
    public string? TrustedCertificatePath { get; set; }

    /// <summary>For AUTH PLAIN or LOGIN; no AUTH when empty.</summary>
    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>Send credentials over an unencrypted connection. Off: only for a relay on this host.</summary>
    public bool AllowPlaintextAuth { get; set; }

    /// <summary>The name given in EHLO; this machine's host name when it is a domain, else its address literal.</summary>
    public string? HeloName { get; set; }

    public SmtpTimeouts Timeouts { get; set; } = new();
}

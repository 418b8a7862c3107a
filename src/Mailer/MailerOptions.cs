using System.ComponentModel.DataAnnotations;
using Digest.Mailer.Smtp;

namespace Digest.Mailer;

/// <summary>The "Mailer" configuration section.</summary>
public sealed class MailerOptions
{
    public const string Section = "Mailer";

    /// <summary>SMTP relays; when there are none, mail goes to <see cref="PickupFolder"/>.</summary>
    public IList<RelayOptions> Relays { get; init; } = [];

    /// <summary>Where .eml files go when no relay is configured.</summary>
    public string? PickupFolder { get; set; }

    /// <summary>Write every relay's SMTP transcript (credentials redacted) to the log.</summary>
    public bool ProtocolLog { get; set; }

    /// <summary>How long a relay that could not be reached is left out before it is tried again.</summary>
    public TimeSpan RelayRetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a relay that refused the sender or its setup (MAIL FROM refused, authentication,
    /// relaying denied) is left out before it is tried again. Its mail waits meanwhile: such a
    /// refusal would fail every message, and is never the recipients' fault.
    /// </summary>
    public TimeSpan SenderRefusedRetryAfter { get; set; } = TimeSpan.FromMinutes(5);

    public DkimOptions Dkim { get; set; } = new();

    /// <summary>The VERP return path and the bounce mailbox; off unless Bounces:Address is set.</summary>
    public Bounces.BounceOptions Bounces { get; set; } = new();
}

/// <summary>One relay: where it is (inherited), and how hard to use it.</summary>
public sealed class RelayOptions : SmtpClientOptions
{
    /// <summary>Connections kept to this relay at most.</summary>
    [Range(1, 1000)]
    public int Connections { get; set; } = 4;

    /// <summary>Messages sent over one connection before it is closed and a fresh one opened.</summary>
    [Range(1, 1_000_000)]
    public int MaxMessagesPerConnection { get; set; } = 100;

    /// <summary>A connection unused this long is closed (QUIT).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Messages per second at most, spread evenly; 0 for no limit.</summary>
    [Range(0, 1_000_000)]
    public double MessagesPerSecond { get; set; }

    /// <summary>This relay's share of the messages relative to the others'.</summary>
    [Range(1, 1000)]
    public int Weight { get; set; } = 1;
}

/// <summary>DKIM signing; off unless <see cref="PrivateKeyPath"/> is set.</summary>
public sealed class DkimOptions
{
    /// <summary>d=, the signing domain (aligned with the From domain for DMARC).</summary>
    public string? Domain { get; set; }

    /// <summary>s=, the selector: the key is published at selector._domainkey.domain.</summary>
    public string? Selector { get; set; }

    /// <summary>A PEM file with the RSA private key (2048 bits recommended). Keep it out of the repository.</summary>
    public string? PrivateKeyPath { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(PrivateKeyPath);
}

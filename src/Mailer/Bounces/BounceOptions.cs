using System.ComponentModel.DataAnnotations;

namespace Digest.Mailer.Bounces;

/// <summary>
/// The "Mailer:Bounces" section: the return path every mail carries (VERP) and the mailbox the
/// reports come back to. Off while <see cref="Address"/> is unset: mail keeps From as its envelope
/// sender and nothing reads a mailbox.
/// </summary>
public sealed class BounceOptions
{
    /// <summary>The longest token a return path carries, so that Address's local part can be checked at start.</summary>
    public const int MaxTokenLength = 50;

    /// <summary>
    /// The base of the return path, e.g. <c>bounces@digest.example.org</c>; each mail goes out as
    /// <c>bounces+TOKEN@digest.example.org</c>. The mailbox must accept the <c>+</c> extension
    /// (Postfix: <c>recipient_delimiter = +</c>).
    /// </summary>
    public string? Address { get; set; }

    /// <summary>How long after sending a report about a mail is still believed (a token older than this counts as unknown).</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "365.00:00:00")]
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromDays(60);

    /// <summary>How often the clustered job reads the mailbox.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan CheckEvery { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The longest wait after the mailbox could not be reached (the first retry is the next firing; later ones double).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Reports read in one pass at most; the rest wait for the next.</summary>
    [Range(1, 100_000)]
    public int MaxPerPass { get; set; } = 5_000;

    public BounceMailboxOptions Mailbox { get; set; } = new();

    public bool Enabled => !string.IsNullOrWhiteSpace(Address);
}

/// <summary>The IMAP mailbox the reports arrive in. Unset host: the return path is still written, but nothing reads the mailbox.</summary>
public sealed class BounceMailboxOptions
{
    public string? Host { get; set; }

    /// <summary>0: IMAP's default for <see cref="Tls"/> (993 for Implicit, 143 otherwise).</summary>
    [Range(0, 65535)]
    public int Port { get; set; }

    public Smtp.TlsMode Tls { get; set; } = Smtp.TlsMode.Implicit;

    public string? User { get; set; }

    /// <summary>Keep it out of the repository (environment variable Mailer__Bounces__Mailbox__Password).</summary>
    public string? Password { get; set; }

    /// <summary>The IMAP folder the reports arrive in.</summary>
    public string Folder { get; set; } = "INBOX";

    /// <summary>Handled reports are moved to this folder (it must exist); unset: they stay and are flagged.</summary>
    public string? MoveHandledTo { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    public bool Configured => !string.IsNullOrWhiteSpace(Host);
}

namespace Digest.Mailer.Smtp;

/// <summary>
/// How long to wait for each step (RFC 5321 §4.5.3.2). The long waits are the standard's: a busy
/// server may take minutes to accept, and giving up after the final dot early turns a delivered
/// message into an unknown one.
/// </summary>
public sealed class SmtpTimeouts
{
    /// <summary>TCP connect and the TLS handshake (the RFC names none; a dead relay should fail over quickly).</summary>
    public TimeSpan Connect { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan Greeting { get; set; } = TimeSpan.FromMinutes(5);
    public TimeSpan Mail { get; set; } = TimeSpan.FromMinutes(5);
    public TimeSpan Rcpt { get; set; } = TimeSpan.FromMinutes(5);
    public TimeSpan Data { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Each write of message data.</summary>
    public TimeSpan DataBlock { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>The reply to the final dot: 10 minutes, because the server may be checking the message.</summary>
    public TimeSpan FinalDot { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>EHLO, STARTTLS, AUTH, RSET, NOOP, QUIT.</summary>
    public TimeSpan Command { get; set; } = TimeSpan.FromMinutes(5);
}

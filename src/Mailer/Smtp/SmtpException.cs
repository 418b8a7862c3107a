namespace Digest.Mailer.Smtp;

/// <summary>
/// The session could not be set up or went wrong at the protocol level: a refused greeting, EHLO,
/// STARTTLS or AUTH, TLS required but not offered, a malformed reply. Delivery problems of a
/// message are never thrown: they are outcomes.
/// </summary>
public sealed class SmtpException : Exception
{
    public SmtpException(string message, SmtpReply? reply = null, Exception? innerException = null)
        : base(reply is null ? message : $"{message}: {reply}", innerException)
    {
        Reply = reply;
    }

    public SmtpException()
        : this("SMTP session failed")
    {
    }

    public SmtpException(string message)
        : this(message, null, null)
    {
    }

    public SmtpException(string message, Exception innerException)
        : this(message, null, innerException)
    {
    }

    /// <summary>The server's reply that caused it, when there was one.</summary>
    public SmtpReply? Reply { get; }
}

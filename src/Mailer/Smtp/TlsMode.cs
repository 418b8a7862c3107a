namespace Digest.Mailer.Smtp;

/// <summary>How the connection to a relay is protected. The certificate is always validated.</summary>
public enum TlsMode
{
    /// <summary>Plain text throughout (a relay on the same host or a trusted network).</summary>
    None,

    /// <summary>STARTTLS when the relay offers it, plain text when it does not.</summary>
    Opportunistic,

    /// <summary>STARTTLS, and fail when the relay does not offer it (RFC 3207, port 587).</summary>
    Required,

    /// <summary>TLS from the first byte (RFC 8314, port 465).</summary>
    Implicit,
}

namespace Digest.Mailer;

/// <summary>
/// Hands a message to the world: an SMTP relay (the pool) or a pickup folder. Safe for many
/// concurrent callers. Never throws for a delivery problem: the outcome says what happened.
/// </summary>
public interface IMailTransport
{
    Task<SendResult> SendAsync(EmailMessage message, CancellationToken cancellationToken = default);
}

/// <summary>What became of a message, and therefore what the caller may do next.</summary>
public enum DeliveryOutcome
{
    /// <summary>Accepted by the relay (or written to the pickup folder).</summary>
    Sent,

    /// <summary>A 4xx, or a network failure before the final dot: nothing was delivered; safe to retry later.</summary>
    Deferred,

    /// <summary>A 5xx: permanent; never retry.</summary>
    Failed,

    /// <summary>The connection was lost after the final dot: it may or may not have been delivered. The caller decides.</summary>
    Unknown,
}

public sealed record RecipientResult(MailboxAddress Recipient, DeliveryOutcome Outcome, string Reply);

/// <param name="Outcome">The message's outcome: Sent only if every recipient was accepted.</param>
/// <param name="MessageId">The Message-ID the message went out with (without angle brackets).</param>
/// <param name="Detail">The relay's reply or the error, for logs and the outcome record.</param>
/// <param name="Recipients">One result per recipient.</param>
public sealed record SendResult(DeliveryOutcome Outcome, string MessageId, string Detail, IReadOnlyList<RecipientResult> Recipients);

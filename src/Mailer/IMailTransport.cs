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

/// <param name="Fault">Whose fault it is when this recipient's mail failed or was deferred.</param>
public sealed record RecipientResult(MailboxAddress Recipient, DeliveryOutcome Outcome, string Reply, Fault Fault)
{
    /// <summary>
    /// The RFC 3463 code in the reply ("5.1.1": no such mailbox), when the relay sent one; 5.1.x
    /// means the address itself is bad, the signal to suppress it.
    /// </summary>
    public string? EnhancedStatusCode =>
        Reply.Length > 4 && int.TryParse(Reply.AsSpan(0, 3), System.Globalization.CultureInfo.InvariantCulture, out var code)
            ? Smtp.SmtpReply.ReadEnhancedStatus(code, Reply[4..])
            : null;
}

/// <param name="Outcome">The message's outcome: Sent only if every recipient was accepted.</param>
/// <param name="MessageId">The Message-ID the message went out with (without angle brackets).</param>
/// <param name="Detail">The relay's reply or the error, for logs and the outcome record.</param>
/// <param name="Recipients">One result per recipient.</param>
public sealed record SendResult(DeliveryOutcome Outcome, string MessageId, string Detail, IReadOnlyList<RecipientResult> Recipients)
{
    /// <summary>
    /// Whose fault the message's outcome is: that of the recipients whose outcome decided it, the
    /// sender's first (it stops a whole relay), then the message's, then an address's.
    /// </summary>
    public Fault Fault
    {
        get
        {
            var fault = Fault.None;
            foreach (var recipient in Recipients)
            {
                if (recipient.Outcome == Outcome && Rank(recipient.Fault) > Rank(fault))
                    fault = recipient.Fault;
            }
            return fault;
        }
    }

    static int Rank(Fault fault) => fault switch
    {
        Fault.Sender => 4,
        Fault.Message => 3,
        Fault.Recipient => 2,
        Fault.Transient => 1,
        _ => 0,
    };

    /// <summary>
    /// The message's outcome from its recipients': Sent only when every one was accepted;
    /// otherwise the one that asks most of the caller: Unknown (decide), then Deferred (retry),
    /// then Failed. The per-recipient results say who.
    /// </summary>
    public static SendResult FromRecipients(string messageId, IReadOnlyList<RecipientResult> recipients, string detail)
    {
        var outcome = DeliveryOutcome.Sent;
        foreach (var recipient in recipients)
        {
            outcome = (outcome, recipient.Outcome) switch
            {
                (DeliveryOutcome.Unknown, _) or (_, DeliveryOutcome.Unknown) => DeliveryOutcome.Unknown,
                (DeliveryOutcome.Deferred, _) or (_, DeliveryOutcome.Deferred) => DeliveryOutcome.Deferred,
                (DeliveryOutcome.Failed, _) or (_, DeliveryOutcome.Failed) => DeliveryOutcome.Failed,
                _ => DeliveryOutcome.Sent,
            };
        }
        return new SendResult(outcome, messageId, detail, recipients);
    }

    /// <summary>The same outcome, fault and detail for every recipient.</summary>
    public static SendResult ForAll(string messageId, IEnumerable<MailboxAddress> recipients, DeliveryOutcome outcome, Fault fault, string detail) =>
        new(outcome, messageId, detail, recipients.Select(r => new RecipientResult(r, outcome, detail, fault)).ToArray());
}

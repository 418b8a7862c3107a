using Digest.Mailer;

namespace Digest.Subscriptions.Delivery;

/// <summary>What became of one claimed row's turn to be sent.</summary>
public sealed record Attempt(AttemptKind Kind, DeliveryOutcome Outcome, Fault Fault, string? Detail)
{
    /// <summary>The stop came first, or the claim no longer holds the row: nothing was sent; the row is released.</summary>
    public static Attempt NotStarted { get; } = new(AttemptKind.NotStarted, DeliveryOutcome.Deferred, Fault.None, null);

    /// <summary>The subscriber may no longer get this mail.</summary>
    public static Attempt Cancelled(string reason) => new(AttemptKind.Cancelled, DeliveryOutcome.Deferred, Fault.None, reason);

    /// <summary>It could not be written at all (a bad address, a missing paper): no relay saw it, so it is nobody's hard bounce.</summary>
    public static Attempt NotSendable(string reason) => new(AttemptKind.Sent, DeliveryOutcome.Failed, Fault.Message, reason);

    public static Attempt From(SendResult result) => new(AttemptKind.Sent, result.Outcome, result.Fault, result.Detail);

    /// <summary>A transport that threw (a bug or a broken setup): keep the mail, with backoff.</summary>
    public static Attempt Threw(Exception e) => new(AttemptKind.Sent, DeliveryOutcome.Deferred, Fault.Transient, e.GetType().Name + ": " + e.Message);
}

public enum AttemptKind
{
    /// <summary>Handed to the transport (or refused before it): <see cref="Attempt.Outcome"/> says how it went.</summary>
    Sent,
    Cancelled,
    NotStarted,
}

namespace Digest.Subscriptions.Delivery;

/// <summary>What one claimed batch came to.</summary>
/// <param name="Held">Kept queued because a relay refuses the sender or its setup (nobody's fault but the configuration's).</param>
/// <param name="Released">Claimed but never started because the worker was stopping: due again at once, for any instance.</param>
public sealed record DeliveryReport(
    int Claimed, int Sent, int Deferred, int Failed, int Unknown, int Cancelled, int Suppressed, int Held = 0, int Released = 0)
{
    public static DeliveryReport Nothing { get; } = new(0, 0, 0, 0, 0, 0, 0);

    public static DeliveryReport operator +(DeliveryReport a, DeliveryReport b) => new(
        a.Claimed + b.Claimed, a.Sent + b.Sent, a.Deferred + b.Deferred, a.Failed + b.Failed,
        a.Unknown + b.Unknown, a.Cancelled + b.Cancelled, a.Suppressed + b.Suppressed, a.Held + b.Held, a.Released + b.Released);
}

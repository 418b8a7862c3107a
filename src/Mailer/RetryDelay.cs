namespace Digest.Mailer;

/// <summary>Exponential backoff with jitter, so that mail deferred together is not retried together (the outbox and digest delivery both use it).</summary>
public static class RetryDelay
{
    /// <param name="attempts">Attempts made so far (1 after the first).</param>
    public static TimeSpan After(int attempts, TimeSpan first, TimeSpan max)
    {
        var exponential = first * Math.Pow(2, Math.Min(attempts - 1, 30));
        var capped = exponential < max ? exponential : max;
        // Half fixed, half random: never sooner than half the delay, never later than the whole.
        return capped / 2 + capped / 2 * Random.Shared.NextDouble();
    }
}

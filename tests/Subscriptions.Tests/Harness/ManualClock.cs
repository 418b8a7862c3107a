namespace Digest.Subscriptions.Tests.Harness;

/// <summary>A clock the test moves by hand (timers still run on real time): for expiry and backoff without waiting.</summary>
public sealed class ManualClock : TimeProvider
{
    readonly Lock _lock = new();
    DateTimeOffset _now = DateTimeOffset.UtcNow;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
            return _now;
    }

    public void Advance(TimeSpan by)
    {
        lock (_lock)
            _now += by;
    }
}

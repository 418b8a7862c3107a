namespace Digest.TestSupport;

/// <summary>A clock the test moves by hand (timers still run on real time): for expiry, backoff and delivery times without waiting.</summary>
public sealed class ManualClock(DateTimeOffset? start = null) : TimeProvider
{
    readonly Lock _lock = new();
    DateTimeOffset _now = start ?? DateTimeOffset.UtcNow;

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

    public void Set(DateTimeOffset now)
    {
        lock (_lock)
            _now = now;
    }
}

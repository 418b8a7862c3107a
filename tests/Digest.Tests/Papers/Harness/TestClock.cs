namespace Digest.Tests.Papers.Harness;

/// <summary>
/// A clock whose date the test sets (which day is "today" for the feeds). Timers and elapsed time
/// stay real, so delays and timeouts behave as in production, only shorter by configuration.
/// </summary>
public sealed class TestClock(DateTimeOffset now) : TimeProvider
{
    DateTimeOffset _now = now;

    public DateTimeOffset Now
    {
        get { lock (this) return _now; }
        set { lock (this) _now = value; }
    }

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}

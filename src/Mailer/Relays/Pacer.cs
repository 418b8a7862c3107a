namespace Digest.Mailer.Relays;

/// <summary>
/// Spreads messages evenly over time: at N per second, one every 1/N s, each sender waiting for
/// its own slot (not a burst of N then a pause). An idle pacer does not save up slots.
/// </summary>
internal sealed class Pacer
{
    readonly TimeProvider _time;
    readonly long _interval;
    readonly Lock _gate = new();
    long _next;

    public Pacer(double perSecond, TimeProvider time)
    {
        _time = time;
        _interval = perSecond > 0 ? (long)Math.Round(time.TimestampFrequency / perSecond) : 0;
    }

    /// <summary>False for a relay without a rate: nobody ever waits.</summary>
    public bool IsPaced => _interval > 0;

    public ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        if (_interval == 0)
            return ValueTask.CompletedTask;
        var now = _time.GetTimestamp();
        long slot;
        lock (_gate)
        {
            slot = Math.Max(now, _next);
            _next = slot + _interval;
        }
        var wait = slot - now;
        return wait <= 0
            ? ValueTask.CompletedTask
            : new ValueTask(Task.Delay(TimeSpan.FromSeconds((double)wait / _time.TimestampFrequency), _time, cancellationToken));
    }
}

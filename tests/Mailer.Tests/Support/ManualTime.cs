namespace Digest.Mailer.Tests;

/// <summary>
/// A clock that moves only when told to: timers (Task.Delay, timeouts) fire inside
/// <see cref="Advance"/>, in due order. Lets a test cross a 10-minute timeout without waiting.
/// </summary>
internal sealed class ManualTime : TimeProvider
{
    readonly Lock _gate = new();
    readonly List<Timer> _timers = [];
    DateTimeOffset _now = new(2025, 9, 8, 6, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
            return _now;
    }

    public override long GetTimestamp() => GetUtcNow().UtcTicks;
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <summary>True when a timer is waiting to fire exactly <paramref name="after"/> from now.</summary>
    public bool HasTimerDueIn(TimeSpan after)
    {
        lock (_gate)
            return _timers.Any(t => t.Due == _now + after);
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new Timer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    public void Advance(TimeSpan by)
    {
        DateTimeOffset target;
        lock (_gate)
            target = _now + by;
        while (true)
        {
            Timer? next;
            lock (_gate)
            {
                next = _timers.Where(t => t.Due <= target).MinBy(t => t.Due);
                if (next is null)
                {
                    _now = target;
                    return;
                }
                _now = next.Due!.Value;
                next.Due = next.Period > TimeSpan.Zero ? _now + next.Period : null;
                if (next.Due is null)
                    _timers.Remove(next);
            }
            next.Fire();
        }
    }

    sealed class Timer(ManualTime time, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset? Due { get; set; }
        public TimeSpan Period { get; private set; }

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (time._gate)
            {
                time._timers.Remove(this);
                Period = period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period;
                Due = dueTime == Timeout.InfiniteTimeSpan ? null : time._now + dueTime;
                if (Due is not null)
                    time._timers.Add(this);
            }
            return true;
        }

        public void Dispose() => Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

using Digest.Mailer.Relays;

namespace Digest.Mailer.Tests.Relays;

/// <summary>The rate limit, counted on a manual clock: one message per interval, never a burst.</summary>
public sealed class PacerTests
{
    [Test]
    public void At_ten_a_second_waiting_senders_go_one_every_hundred_milliseconds()
    {
        var time = new ManualTime();
        var pacer = new Pacer(10, time);

        var waits = Enumerable.Range(0, 30).Select(_ => pacer.WaitAsync(CancellationToken.None).AsTask()).ToList();

        var released = new List<int> { waits.Count(w => w.IsCompleted) };
        for (var step = 0; step < 29; step++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            released.Add(waits.Count(w => w.IsCompleted));
        }
        Assert.That(released, Is.EqualTo(Enumerable.Range(1, 30)));
    }

    [Test]
    public void An_idle_pacer_saves_up_no_slots_for_a_burst()
    {
        var time = new ManualTime();
        var pacer = new Pacer(10, time);
        _ = pacer.WaitAsync(CancellationToken.None).AsTask();
        time.Advance(TimeSpan.FromMinutes(1));

        var waits = Enumerable.Range(0, 5).Select(_ => pacer.WaitAsync(CancellationToken.None).AsTask()).ToList();

        Assert.That(waits.Count(w => w.IsCompleted), Is.EqualTo(1));
        time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.That(waits.Count(w => w.IsCompleted), Is.EqualTo(1));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(waits.Count(w => w.IsCompleted), Is.EqualTo(2));
    }

    [Test]
    public void Without_a_limit_nobody_waits()
    {
        var pacer = new Pacer(0, new ManualTime());

        Assert.That(Enumerable.Range(0, 1000).All(_ => pacer.WaitAsync(CancellationToken.None).AsTask().IsCompleted), Is.True);
    }
}

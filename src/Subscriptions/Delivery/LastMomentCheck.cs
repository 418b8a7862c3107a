using System.Diagnostics;

namespace Digest.Subscriptions.Delivery;

/// <summary>
/// Asks the database, right before each send, whether the row may still go: the claim still holds
/// it (and its lease has not run out) and its subscriber may still get it. One question answers
/// for every row of the batch not yet sent, and an answer is used only while it is younger than
/// <see cref="Freshness"/>: so whatever was committed that long before a send starts (an
/// unsubscribe, a pause, a suppression, another claim) stops it, at a few queries a second per
/// batch instead of one per mail. Sends that ask while a question is out wait for the next one.
/// </summary>
internal sealed class LastMomentCheck(long[] batch, Func<long[], Task<IReadOnlyDictionary<long, bool>>> ask)
{
    /// <summary>How old an answer may be when its send starts.</summary>
    public static readonly TimeSpan Freshness = TimeSpan.FromMilliseconds(50);

    readonly Lock _gate = new();
    readonly HashSet<long> _started = [];
    List<(long Id, TaskCompletionSource<bool?> Answer)> _waiting = [];
    IReadOnlyDictionary<long, bool> _answers = new Dictionary<long, bool>();
    long? _answeredAt;
    bool _asking;

    /// <returns>True: send. False: the subscriber may no longer get it. Null: the claim no longer holds the row.</returns>
    public Task<bool?> MaySendAsync(long id)
    {
        bool start;
        TaskCompletionSource<bool?> answer;
        lock (_gate)
        {
            _started.Add(id);
            if (_answeredAt is { } answeredAt && Stopwatch.GetElapsedTime(answeredAt) < Freshness)
                return Task.FromResult<bool?>(_answers.TryGetValue(id, out var may) ? may : null);
            answer = new TaskCompletionSource<bool?>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Add((id, answer));
            start = !_asking;
            _asking = true;
        }
        if (start)
            _ = Task.Run(AskAsync);
        return answer.Task;
    }

    async Task AskAsync()
    {
        while (true)
        {
            List<(long Id, TaskCompletionSource<bool?> Answer)> round;
            long[] ids;
            lock (_gate)
            {
                if (_waiting.Count == 0)
                {
                    _asking = false;
                    return;
                }
                round = _waiting;
                _waiting = [];
                // The rows asking now, and every row not yet started: their answers serve the sends
                // that start while they are fresh.
                ids = round.Select(r => r.Id).Concat(batch.Where(id => !_started.Contains(id))).Distinct().ToArray();
            }
            var asked = Stopwatch.GetTimestamp();
            try
            {
                var answers = await ask(ids);
                lock (_gate)
                {
                    _answers = answers;
                    _answeredAt = asked;
                }
                foreach (var (id, answer) in round)
                    answer.SetResult(answers.TryGetValue(id, out var may) ? may : null);
            }
            catch (Exception e)
            {
                foreach (var (_, answer) in round)
                    answer.SetException(e);
            }
        }
    }
}

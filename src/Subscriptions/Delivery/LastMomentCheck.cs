namespace Digest.Subscriptions.Delivery;

/// <summary>
/// Asks the database, right before each send, whether the row may still go: the claim still holds
/// it (and its lease has not run out) and its subscriber may still get it. Sends that ask while a
/// question is out wait for the next one, so each answer is read after its send asked (an
/// unsubscribe committed before then is seen) at one query per wave of sends, not per send.
/// </summary>
internal sealed class LastMomentCheck(Func<long[], Task<IReadOnlyDictionary<long, bool>>> ask)
{
    readonly Lock _gate = new();
    List<(long Id, TaskCompletionSource<bool?> Answer)> _waiting = [];
    bool _asking;

    /// <returns>True: send. False: the subscriber may no longer get it. Null: the claim no longer holds the row.</returns>
    public Task<bool?> MaySendAsync(long id)
    {
        var answer = new TaskCompletionSource<bool?>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool start;
        lock (_gate)
        {
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
            lock (_gate)
            {
                if (_waiting.Count == 0)
                {
                    _asking = false;
                    return;
                }
                round = _waiting;
                _waiting = [];
            }
            try
            {
                var answers = await ask(round.Select(r => r.Id).ToArray());
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

namespace Digest.TestSupport;

/// <summary>Polls a condition instead of sleeping for a guessed time.</summary>
public static class WaitFor
{
    public static async Task<bool> ConditionAsync(Func<Task<bool>> condition, TimeSpan timeout, TimeSpan? interval = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
                return true;
            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(50));
        }
        return await condition();
    }
}

using Microsoft.Extensions.Options;

namespace Digest.Papers.Arxiv;

/// <summary>
/// arXiv's terms: one request at a time, at most one every 3 seconds (Papers:Arxiv:RequestInterval).
/// One per process, shared by every client and every retry: it sits next to the wire, inside the
/// resilience handler, so a retry waits its turn like any other request.
/// </summary>
public sealed class ArxivThrottle(IOptions<PapersOptions> options, TimeProvider time) : IDisposable
{
    readonly SemaphoreSlim _turn = new(1, 1);
    long? _lastFinished;

    public async Task<HttpResponseMessage> SendAsync(Func<CancellationToken, Task<HttpResponseMessage>> send, CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken);
        try
        {
            if (_lastFinished is { } last)
            {
                var wait = options.Value.Arxiv.RequestInterval - time.GetElapsedTime(last);
                if (wait > TimeSpan.Zero)
                    await Task.Delay(wait, time, cancellationToken);
            }
            return await send(cancellationToken);
        }
        finally
        {
            // Counted from the end of the previous request, which is the stricter reading of "every 3 s".
            _lastFinished = time.GetTimestamp();
            _turn.Release();
        }
    }

    public void Dispose() => _turn.Dispose();
}

internal sealed class ArxivThrottleHandler(ArxivThrottle throttle) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        throttle.SendAsync(token => base.SendAsync(request, token), cancellationToken);
}

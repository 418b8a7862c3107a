using Microsoft.Extensions.Options;

namespace Digest.Digests;

/// <summary>
/// Delivers digests continuously on this instance: <see cref="DigestsOptions.Workers"/> loops, each
/// sending batch after batch while issues are due, then waiting for a wake-up (a plan on this
/// instance) or the poll interval (a plan on another instance, a retry coming due).
/// </summary>
public sealed class DigestWorker(DigestDelivery delivery, IOptionsMonitor<DigestsOptions> options, TimeProvider clock, ILogger<DigestWorker> logger, Metrics.DigestMetrics metrics)
    : BackgroundService
{
    TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Wakes every waiting loop: issues were just planned.</summary>
    public void Wake() => Interlocked.Exchange(ref _wake, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, options.CurrentValue.Workers).Select(_ => Task.Run(() => LoopAsync(stoppingToken), stoppingToken)));

    async Task LoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var wake = _wake.Task;
            try
            {
                if ((await metrics.DeliverAsync(() => delivery.DeliverDueAsync(stopping: stoppingToken))).Claimed > 0)
                    continue;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The database may be restarting: the issues stay queued (or leased, and come due
                // again), and the next round retries.
                logger.LogError(e, "Delivering digests failed; retrying after the poll interval");
            }
            try
            {
                await wake.WaitAsync(options.CurrentValue.PollInterval, clock, stoppingToken);
            }
            catch (TimeoutException)
            {
            }
        }
    }
}

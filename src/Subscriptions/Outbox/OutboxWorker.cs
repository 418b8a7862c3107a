using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Digest.Subscriptions.Outbox;

/// <summary>Drains the outbox on this instance: batch after batch while mail is due, then waits for a wake-up or the poll interval.</summary>
internal sealed class OutboxWorker(
    OutboxDelivery delivery, TransactionalOutbox outbox, IOptionsMonitor<OutboxOptions> options, ILogger<OutboxWorker> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if ((await delivery.DeliverBatchAsync(stopping: stoppingToken)).Claimed > 0)
                    continue;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The database may be restarting; the mail stays queued and the next round retries.
                logger.LogError(e, "Delivering outbox mail failed; retrying after the poll interval");
            }
            await outbox.WaitAsync(options.CurrentValue.PollInterval, stoppingToken);
        }
    }
}

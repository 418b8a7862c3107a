using Quartz;

namespace Digest.Papers;

/// <summary>
/// The hourly ingest (Papers:IngestEvery). Thin on purpose: the run is <see cref="PaperIngest"/>,
/// which is idempotent, so a firing re-run by the clustered store after a crash does no harm.
/// </summary>
[DisallowConcurrentExecution]
public sealed class IngestJob(PaperIngest ingest, ILogger<IngestJob> logger) : IJob
{
    public static readonly JobKey Key = new("ingest", "papers");
    public static readonly TriggerKey TriggerKey = new("ingest-every", "papers");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            var report = await ingest.RunAsync(IngestRequest.Scheduled, cancellationToken: cancellationToken);
            context.Result = report;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // The next firing tries again; rethrowing would only make Quartz log the same thing.
            logger.LogError(e, "The paper ingest job failed: {Error}", e.Message);
        }
    }
}

using Quartz;

namespace Digest.Digests;

/// <summary>
/// The scheduled plan (every Digests:PlanEvery, one firing across the cluster). A misfire after
/// downtime runs once; the planner plans each subscriber's current period only, so days missed
/// are not mailed one by one — their papers are in the next issue's window.
/// </summary>
[DisallowConcurrentExecution]
public sealed class PlanJob(DigestPlanner planner, DigestWorker worker, ILogger<PlanJob> logger) : IJob
{
    public static readonly JobKey Key = new("plan", "digests");
    public static readonly TriggerKey TriggerKey = new("plan", "digests");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        // One line per firing, with the firing's scheduled time: across a cluster each appears once.
        logger.LogDebug("Plan fired for {ScheduledFireTime:O}", context.ScheduledFireTimeUtc);
        // Each chunk of issues is committed as it is written: wake the workers then, so delivery
        // runs alongside the rest of the plan instead of after it.
        var report = await planner.PlanAsync(new Progress<PlanReport>(_ => worker.Wake()), cancellationToken);
        if (report.Due > 0)
        {
            logger.LogInformation("Planned {Queued} digest issues ({Empty} with nothing new) for {Due} subscribers; {Topics} topics, {Hits} topic-paper matches, in {Elapsed}",
                report.Queued, report.Empty, report.Due, report.Topics, report.TopicHits, report.Elapsed);
        }
        if (report.Queued > 0)
            worker.Wake();
    }
}

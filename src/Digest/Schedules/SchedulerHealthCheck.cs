using Microsoft.Extensions.Diagnostics.HealthChecks;
using Quartz;

namespace Digest.Schedules;

/// <summary>Ready when this instance's scheduler runs (started, not on standby, not shutting down).</summary>
internal sealed class SchedulerHealthCheck(ISchedulerFactory schedulers) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var status = await scheduler.GetStatus(cancellationToken);
        return status == SchedulerStatus.Running
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy($"the scheduler is {status}");
    }
}

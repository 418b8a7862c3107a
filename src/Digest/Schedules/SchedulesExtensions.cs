using Microsoft.Extensions.Diagnostics.HealthChecks;
using Quartz;

namespace Digest.Schedules;

public static class SchedulesExtensions
{
    /// <summary>
    /// Quartz with its PostgreSQL job store, clustered: every instance shares one schedule and a
    /// trigger fires once across them. Quartz creates and checks its own tables; our migrations
    /// never touch them. Jobs register themselves through <paramref name="configureJobs"/>.
    /// </summary>
    public static IHostApplicationBuilder AddSchedules(this IHostApplicationBuilder builder, Action<IQuartzBuilder>? configureJobs = null)
    {
        builder.AddQuartz(quartz =>
        {
            quartz.ConfigureScheduler(scheduler =>
            {
                // One name for the cluster; a generated id per instance, as clustering requires.
                scheduler.InstanceName = "digest";
                scheduler.GenerateInstanceId = true;
            });
            quartz.UsePersistentStore(store =>
            {
                store.UsePostgres(dataSource => dataSource.UseRegisteredDataSource = true);
                store.UseSystemTextJsonSerializer();
                store.UseClustering();
                store.ProvisionSchema();
            });
            configureJobs?.Invoke(quartz);
        });
        builder.AddQuartzHostedService(options => options.WaitForJobsToComplete = true);
        builder.Services.AddHealthChecks().AddCheck<SchedulerHealthCheck>("scheduler", HealthStatus.Unhealthy, [DigestExtensions.ReadyTag]);
        return builder;
    }

    /// <summary>
    /// A job fired every <paramref name="every"/> (read from options when the scheduler starts),
    /// starting now; firings missed while every instance was down become one run, at once.
    /// AddQuartz is additive for the default scheduler, so this adds to the one AddSchedules configures.
    /// </summary>
    public static IHostApplicationBuilder AddRecurringJob<TJob>(
        this IHostApplicationBuilder builder, JobKey jobKey, TriggerKey triggerKey, string description, Func<IServiceProvider, TimeSpan> every)
        where TJob : IJob
    {
        builder.AddQuartz(quartz => quartz.ScheduleJob<TJob>(
            (provider, trigger) => trigger
                .WithIdentity(triggerKey)
                .WithDescription(description)
                .StartNow()
                .WithSimpleSchedule(schedule => schedule
                    .WithInterval(every(provider))
                    .RepeatForever()
                    .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NowWithRemainingCount)),
            (_, job) => job.WithIdentity(jobKey).WithDescription(description)));
        return builder;
    }
}

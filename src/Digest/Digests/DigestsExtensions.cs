using Digest.Subscriptions.Web;
using Microsoft.Extensions.Options;
using Quartz;

namespace Digest.Digests;

public static class DigestsExtensions
{
    /// <summary>
    /// The daily digest: planner (a clustered Quartz job), renderer, reader of issues, delivery
    /// workers, stats. Needs AddSubscriptions, AddTemplates, AddMailer and AddSchedules.
    /// </summary>
    public static IHostApplicationBuilder AddDigests(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<DigestsOptions>().BindConfiguration(DigestsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<DigestRenderer>();
        services.AddSingleton<IssueReader>();
        services.AddSingleton<DigestPlanner>();
        services.AddSingleton<DigestDelivery>();
        services.AddSingleton<DigestStats>();
        services.AddSingleton<DigestWorker>();
        services.AddHostedService(provider => provider.GetRequiredService<DigestWorker>());
        // A stop drains sends under way (DrainTime) and records them (RecordRetryFor at worst): the
        // host must wait for that, and still end before systemd's TimeoutStopSec (90 s) kills it.
        services.AddOptions<HostOptions>().Configure<IOptions<DigestsOptions>>((host, digests) =>
            host.ShutdownTimeout = TimeSpan.FromSeconds(Math.Min(85, digests.Value.DrainTime.TotalSeconds + 30)));

        builder.AddQuartz(quartz => quartz.ScheduleJob<PlanJob>(
            (provider, trigger) => trigger
                .WithIdentity(PlanJob.TriggerKey)
                .WithDescription("Plans the digest issues whose delivery time has come (Digests:PlanEvery)")
                .StartNow()
                .WithSimpleSchedule(schedule => schedule
                    .WithInterval(provider.GetRequiredService<IOptions<DigestsOptions>>().Value.PlanEvery)
                    .RepeatForever()
                    // Firings missed while every instance was down become one run, at once.
                    .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NowWithRemainingCount)),
            (_, job) => job.WithIdentity(PlanJob.Key).WithDescription("Digest plan")));
        return builder;
    }

    /// <summary>/issues/{token}, the view-in-browser page, with the pages' security headers.</summary>
    public static IEndpointRouteBuilder MapDigestsEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var pages = endpoints.MapGroup("").AddEndpointFilter<SecurityHeaders.Filter>();
        IssuePage.Map(pages);
        return endpoints;
    }
}

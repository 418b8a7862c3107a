using Digest.Mailer;
using Digest.Subscriptions.Web;
using Microsoft.Extensions.Options;
using Digest.Schedules;

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
        services.AddOptions<DigestsOptions>().BindConfiguration(DigestsOptions.Section)
            .PostConfigure<IConfiguration>((digests, configuration) =>
            {
                if (configuration[$"{DigestsOptions.Section}:{nameof(DigestsOptions.SendConcurrency)}"] is null)
                    digests.SendConcurrency = DigestsOptions.SendConcurrencyFor(RelayConnections(configuration), digests.Workers);
            })
            .ValidateDataAnnotations().ValidateOnStart();
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

        builder.AddRecurringJob<PlanJob>(PlanJob.Key, PlanJob.TriggerKey,
            "Plans the digest issues whose delivery time has come (Digests:PlanEvery)",
            provider => provider.GetRequiredService<IOptions<DigestsOptions>>().Value.PlanEvery);
        return builder;
    }

    /// <summary>
    /// The relays' connections in all, read from configuration rather than from the Mailer's
    /// options: those are validated when read (the DKIM key file among them), and verbs that send
    /// nothing must not fail on a Mailer setting. A value that is not a number counts as the
    /// default here; the Mailer reports it when it starts.
    /// </summary>
    static int RelayConnections(IConfiguration configuration) =>
        configuration.GetSection($"{MailerOptions.Section}:{nameof(MailerOptions.Relays)}").GetChildren().Sum(relay =>
            int.TryParse(relay[nameof(RelayOptions.Connections)], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var connections)
                ? connections
                : new RelayOptions().Connections);

    /// <summary>/issues/{token}, the view-in-browser page, with the pages' security headers.</summary>
    public static IEndpointRouteBuilder MapDigestsEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var pages = endpoints.MapGroup("").AddEndpointFilter<SecurityHeaders.Filter>();
        IssuePage.Map(pages);
        return endpoints;
    }
}

using Digest.Admin;
using Digest.Bounces;
using Digest.Database;
using Digest.Digests;
using Digest.Hosting;
using Digest.Mailer;
using Digest.Metrics;
using Digest.Papers;
using Digest.Papers.Site;
using Digest.Schedules;
using Digest.Subscriptions;
using Digest.Templates;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace Digest;

public static class DigestExtensions
{
    /// <summary>The tag of the health checks /readyz runs.</summary>
    public const string ReadyTag = "ready";

    /// <summary>
    /// The executable's own services (database and migrations; schedules; papers; digests; bounces;
    /// the operator console; metrics; the reverse proxy's settings) and its projects'. Only
    /// registers: the embedded database, when used, is started before this (see <see cref="DigestHost"/>).
    /// </summary>
    public static IHostApplicationBuilder AddDigest(this IHostApplicationBuilder builder)
    {
        builder.AddDatabase();
        builder.AddSchedules();
        // With no relay and no folder configured, mail lands where a person can open it.
        const string PickupFolder = $"{MailerOptions.Section}:PickupFolder";
        if (string.IsNullOrWhiteSpace(builder.Configuration[PickupFolder]))
            builder.Configuration[PickupFolder] = Path.Combine(DataFolder.Resolve(builder.Configuration), "mail");
        builder.AddMailer();
        builder.AddPapers();
        builder.AddTemplates();
        builder.AddSubscriptions();
        builder.AddDigests();
        builder.AddAdmin();
        builder.AddBounces();
        builder.AddMetrics();
        builder.AddReverseProxy();
        return builder;
    }

    public static IEndpointRouteBuilder MapDigestEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // Liveness: the process serves requests. A database restart must not get it killed.
        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        // Readiness, for load balancers and orchestrators: the database answers with this build's
        // schema and the scheduler runs (the checks tagged "ready").
        endpoints.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) });
        endpoints.MapMetricsEndpoint();
        endpoints.MapPapersSite();
        endpoints.MapSubscriptionsEndpoints();
        endpoints.MapDigestsEndpoints();
        endpoints.MapAdminEndpoints();
        return endpoints;
    }
}

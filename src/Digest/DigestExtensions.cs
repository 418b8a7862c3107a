using Digest.Admin;
using Digest.Bounces;
using Digest.Database;
using Digest.Digests;
using Digest.Mailer;
using Digest.Papers;
using Digest.Papers.Site;
using Digest.Schedules;
using Digest.Subscriptions;
using Digest.Templates;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace Digest;

public static class DigestExtensions
{
    /// <summary>The executable's own services (database, embedded by default; migrations; schedules; papers; digests; bounces; the operator console) and its projects'.</summary>
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
        return builder;
    }

    public static IEndpointRouteBuilder MapDigestEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => true });
        endpoints.MapPapersSite();
        endpoints.MapSubscriptionsEndpoints();
        endpoints.MapDigestsEndpoints();
        endpoints.MapAdminEndpoints();
        return endpoints;
    }
}

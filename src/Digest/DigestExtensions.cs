using Digest.Database;
using Digest.Schedules;
using Digest.Subscriptions;
using Digest.Templates;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace Digest;

public static class DigestExtensions
{
    /// <summary>The executable's own services (database, embedded by default; migrations; schedules) and its projects'.</summary>
    public static IHostApplicationBuilder AddDigest(this IHostApplicationBuilder builder)
    {
        builder.AddDatabase();
        builder.AddSchedules();
        builder.AddTemplates();
        builder.AddSubscriptions();
        return builder;
    }

    public static IEndpointRouteBuilder MapDigestEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => true });
        endpoints.MapSubscriptionsEndpoints();
        return endpoints;
    }
}

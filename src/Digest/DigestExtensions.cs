using Digest.Database;
using Digest.Papers;
using Digest.Schedules;
using Digest.Web;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace Digest;

public static class DigestExtensions
{
    /// <summary>The executable's own services: database (embedded by default), migrations and schedules.</summary>
    public static IHostApplicationBuilder AddDigest(this IHostApplicationBuilder builder)
    {
        builder.AddDatabase();
        builder.AddSchedules();
        builder.AddPapers();
        return builder;
    }

    public static IEndpointRouteBuilder MapDigestEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => true });
        endpoints.MapGet("/", HomePage.Get);
        return endpoints;
    }
}

using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Digest.Metrics;

public static class MetricsExtensions
{
    public const string Path = "/metrics";

    /// <summary>
    /// OpenTelemetry metrics, exported in Prometheus text format: our own instruments
    /// (<see cref="DigestMetrics"/>), ASP.NET Core's and HttpClient's (requests, durations) and the
    /// runtime's (GC, heap, thread pool). Configuration section <c>Metrics</c>.
    /// </summary>
    public static IHostApplicationBuilder AddMetrics(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<QueueSnapshot>();
        builder.Services.AddSingleton<DigestMetrics>();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("digest"))
            .WithMetrics(metrics => metrics
            .AddMeter(DigestMetrics.MeterName)
            .AddAspNetCoreInstrumentation()
            .AddHttpClientInstrumentation()
            .AddRuntimeInstrumentation()
            .AddPrometheusExporter());
        return builder;
    }

    /// <summary>/metrics, for loopback or a bearer token (<see cref="MetricsAccess"/>).</summary>
    public static IEndpointRouteBuilder MapMetricsEndpoint(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPrometheusScrapingEndpoint(Path, meterProvider: null,
            configureBranchedPipeline: branch => branch.Use(MetricsAccess.CheckAsync), optionsName: null);
        return endpoints;
    }
}

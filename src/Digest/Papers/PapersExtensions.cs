using System.Net;
using Digest.Papers.Arxiv;
using Digest.Papers.Http;
using Digest.Papers.HuggingFace;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Digest.Schedules;

namespace Digest.Papers;

public static class PapersExtensions
{
    const string UserAgent = "Digest/1.0 (self-hosted paper digest)";

    // Far above any real page (2,000 arXiv entries are a few MB); a runaway response fails the request.
    const long MaxResponseBytes = 64L * 1024 * 1024;

    /// <summary>
    /// Paper ingestion: the sources (Hugging Face, arXiv, JSON files, the demo set), each remote one
    /// with its own resilient HttpClient; the store; the hourly job; what the papers site reads. Configuration section <c>Papers</c>.
    /// </summary>
    public static IHostApplicationBuilder AddPapers(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PapersOptions>().BindConfiguration(PapersOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PapersOptions>, PapersOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);

        services.AddSingleton<FeedPipelines>();
        services.AddSingleton<ArxivThrottle>();
        services.AddSingleton<FeedDays>();
        services.AddSingleton<PaperStore>();
        services.AddSingleton<Site.PaperListing>();
        services.AddSingleton<Site.RenderedPages>();
        services.AddSingleton<IngestLog>();
        services.AddTransient<PaperIngest>();

        services.AddHttpClient<HuggingFaceSource>((provider, http) =>
                Configure(http, provider.GetRequiredService<IOptions<PapersOptions>>().Value.HuggingFace.BaseUrl))
            .AddHttpMessageHandler(provider => new ResilienceHandler(provider.GetRequiredService<FeedPipelines>().For(HuggingFaceSource.SourceName), MaxResponseBytes));
        services.AddHttpClient<ArxivSource>((provider, http) =>
                Configure(http, provider.GetRequiredService<IOptions<PapersOptions>>().Value.Arxiv.BaseUrl))
            .AddHttpMessageHandler(provider => new ResilienceHandler(provider.GetRequiredService<FeedPipelines>().For(ArxivSource.SourceName), MaxResponseBytes))
            // Inside the retries, so that every attempt waits its turn.
            .AddHttpMessageHandler(provider => new ArxivThrottleHandler(provider.GetRequiredService<ArxivThrottle>()))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { MaxConnectionsPerServer = 1, AutomaticDecompression = DecompressionMethods.All });

        builder.AddRecurringJob<IngestJob>(IngestJob.Key, IngestJob.TriggerKey,
            "Ingests papers from every enabled source (Papers:IngestEvery)",
            provider => provider.GetRequiredService<IOptions<PapersOptions>>().Value.IngestEvery);
        return builder;
    }

    static void Configure(HttpClient http, Uri? baseUrl)
    {
        // Unset only when the source is off; the client is then never used.
        if (baseUrl is not null)
            http.BaseAddress = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
        // The resilience pipeline owns the timeouts.
        http.Timeout = Timeout.InfiniteTimeSpan;
        http.MaxResponseContentBufferSize = MaxResponseBytes;
        http.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);
    }
}

using Polly;

namespace Digest.Papers.Http;

/// <summary>Runs every request of a source's <see cref="HttpClient"/> through that source's pipeline.</summary>
internal sealed class ResilienceHandler(ResiliencePipeline<HttpResponseMessage> pipeline) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        await pipeline.ExecuteAsync(async token => await base.SendAsync(request, token), cancellationToken);
}

using Polly;

namespace Digest.Papers.Http;

/// <summary>
/// Runs every request of a source's <see cref="HttpClient"/> through that source's pipeline, body
/// included: the response is read to its end inside the pipeline, so a server that sends its
/// headers and then stalls is cut off by the attempt's timeout (and retried) like one that never
/// answers, and the total timeout bounds the whole request. Outside it, HttpClient would read the
/// body with no time limit at all, and one stalled feed would hang the ingest run.
/// </summary>
internal sealed class ResilienceHandler(ResiliencePipeline<HttpResponseMessage> pipeline, long maxResponseBytes) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        await pipeline.ExecuteAsync(async token =>
        {
            var response = await base.SendAsync(request, token);
            try
            {
                await response.Content.LoadIntoBufferAsync(maxResponseBytes, token);
                return response;
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }, cancellationToken);
}

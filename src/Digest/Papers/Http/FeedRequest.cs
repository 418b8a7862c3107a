using System.Net;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Digest.Papers.Http;

/// <summary>One feed document: its body, or a sentence saying why there is none.</summary>
public sealed record FeedResponse(HttpStatusCode? Status, string? Body, string? Error)
{
    public bool Succeeded => Error is null;
}

public static class FeedRequest
{
    /// <summary>
    /// GETs a document through the client's resilience pipeline. Every way a request can fail comes
    /// back as <see cref="FeedResponse.Error"/>, so that a source reports it and carries on or stops.
    /// </summary>
    public static async Task<FeedResponse> GetAsync(HttpClient http, string relativeUrl, CancellationToken cancellationToken)
    {
        var url = http.BaseAddress is null ? relativeUrl : new Uri(http.BaseAddress, relativeUrl).ToString();
        try
        {
            using var response = await http.GetAsync(new Uri(url), cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return response.IsSuccessStatusCode
                ? new FeedResponse(response.StatusCode, body, null)
                : new FeedResponse(response.StatusCode, body, $"GET {url} answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
        }
        catch (TimeoutRejectedException e)
        {
            return new FeedResponse(null, null, $"GET {url} timed out after {e.Timeout.TotalSeconds:0.###} s");
        }
        catch (BrokenCircuitException)
        {
            return new FeedResponse(null, null, $"GET {url} not sent: the source's circuit is open after repeated failures");
        }
        catch (HttpRequestException e)
        {
            return new FeedResponse(null, null, $"GET {url} failed: {e.Message}");
        }
    }
}

using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Digest.Papers.Http;

/// <summary>
/// One resilience pipeline per source, kept for the life of the process so that a source's circuit
/// remembers its failures across runs: a timeout for the whole request, retries with jittered
/// exponential backoff on 429/5xx/network errors that wait as long as Retry-After asks, a circuit
/// breaker that stops calling a source that keeps failing, and a timeout per attempt.
/// </summary>
public sealed class FeedPipelines(IOptions<PapersOptions> options, TimeProvider time, ILogger<FeedPipelines> logger)
{
    readonly ConcurrentDictionary<string, ResiliencePipeline<HttpResponseMessage>> _pipelines = new();

    public ResiliencePipeline<HttpResponseMessage> For(string source) => _pipelines.GetOrAdd(source, Build);

    ResiliencePipeline<HttpResponseMessage> Build(string source)
    {
        var http = options.Value.Http;
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            .AddTimeout(http.TotalTimeout);
        if (http.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome) && !WaitsTooLong(args.Outcome.Result, http)),
                MaxRetryAttempts = http.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = http.RetryDelay,
                MaxDelay = TimeSpan.FromMinutes(1),
                // The server knows best how long it needs; null falls back to the backoff above.
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result)),
                OnRetry = args =>
                {
                    logger.LogWarning("{Source}: {Outcome}; retry {Retry} of {MaxRetries} in {Delay:0.###} s",
                        source, Describe(args.Outcome), args.AttemptNumber + 1, http.MaxRetries, args.RetryDelay.TotalSeconds);
                    return default;
                },
            });
        }
        return builder
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome)),
                FailureRatio = 0.5,
                MinimumThroughput = 4,
                SamplingDuration = TimeSpan.FromMinutes(1),
                BreakDuration = http.BreakDuration,
                OnOpened = args =>
                {
                    logger.LogError("{Source}: circuit opened after repeated failures ({Outcome}); no requests for {BreakDuration}",
                        source, Describe(args.Outcome), args.BreakDuration);
                    return default;
                },
            })
            .AddTimeout(http.AttemptTimeout)
            .Build();
    }

    static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException or TimeoutRejectedException } => true,
        { Result: { } response } => response.StatusCode is HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500,
        _ => false,
    };

    bool WaitsTooLong(HttpResponseMessage? response, FeedHttpOptions http) => RetryAfter(response) > http.MaxRetryAfter;

    TimeSpan? RetryAfter(HttpResponseMessage? response)
    {
        var header = response?.Headers.RetryAfter;
        if (header?.Delta is { } delta)
            return delta;
        if (header?.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
        return null;
    }

    static string Describe(Outcome<HttpResponseMessage> outcome) => outcome.Exception switch
    {
        TimeoutRejectedException e => $"timed out after {e.Timeout.TotalSeconds:0.###} s",
        { } e => e.Message,
        null => $"HTTP {(int)outcome.Result!.StatusCode} {outcome.Result.ReasonPhrase}",
    };
}

using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Digest.Subscriptions.Web;

/// <summary>
/// ASP.NET's rate limiter, partitioned by client: form submissions (which may cause mail) get a
/// small allowance, previews and link pages a larger one. The per-address rule (one mail per
/// address per window) is not here but in the database, because it must hold across instances.
/// </summary>
public static class RateLimits
{
    public const string Submit = "subscriptions-submit";
    public const string Requests = "subscriptions-requests";

    public static void Configure(RateLimiterOptions limiter)
    {
        limiter.AddPolicy(Submit, http =>
        {
            var options = Options(http);
            return RateLimitPartition.GetFixedWindowLimiter(ClientKey(http), _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = options.SubmitsPerClient,
                Window = options.SubmitWindow,
            });
        });
        limiter.AddPolicy(Requests, http =>
        {
            var options = Options(http);
            return RateLimitPartition.GetSlidingWindowLimiter(ClientKey(http), _ => new SlidingWindowRateLimiterOptions
            {
                PermitLimit = options.RequestsPerClientPerMinute,
                Window = TimeSpan.FromMinutes(1),
                SegmentsPerWindow = 6,
            });
        });
        limiter.OnRejected = async (context, cancellationToken) =>
        {
            var response = context.HttpContext.Response;
            SecurityHeaders.Apply(response);
            var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
            response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            await context.HttpContext.RequestServices.GetRequiredService<Pages>().TooManyRequests(retryAfter).ExecuteAsync(context.HttpContext);
        };
    }

    static SubscriptionsOptions Options(HttpContext http) =>
        http.RequestServices.GetRequiredService<IOptionsMonitor<SubscriptionsOptions>>().CurrentValue;

    /// <summary>
    /// The client's address; for IPv6 its /64, since one household or host usually holds a whole
    /// /64 and could otherwise rotate through it. Behind a reverse proxy the operator must forward
    /// the client's address (ForwardedHeaders), or every client shares the proxy's allowance.
    /// </summary>
    internal static string ClientKey(HttpContext http)
    {
        var address = http.Connection.RemoteIpAddress;
        if (address is null)
            return "unknown";
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            address = new IPAddress(bytes);
        }
        return address.ToString();
    }
}

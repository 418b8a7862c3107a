using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Digest.Subscriptions.Web;

/// <summary>
/// The allowance for link requests whose token does not verify, per client. A genuine one-click
/// unsubscribe is never counted here: after a digest run a mailbox provider (or many readers behind
/// one NAT) may send hundreds from one address, and each must be honoured; someone guessing tokens
/// spends this allowance instead.
/// </summary>
public sealed class LinkGuessLimit : IDisposable
{
    readonly PartitionedRateLimiter<string> _limiter;

    public LinkGuessLimit(IOptionsMonitor<SubscriptionsOptions> options) =>
        _limiter = PartitionedRateLimiter.Create<string, string>(client => RateLimitPartition.GetSlidingWindowLimiter(client, _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = options.CurrentValue.RequestsPerClientPerMinute,
            Window = TimeSpan.FromMinutes(1),
            SegmentsPerWindow = 6,
        }));

    /// <summary>Counts one failed guess for the request's client; false once the client has used its allowance.</summary>
    public bool TryCount(HttpContext http)
    {
        using var lease = _limiter.AttemptAcquire(RateLimits.ClientKey(http));
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}

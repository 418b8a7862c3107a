using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Digest.Metrics;

/// <summary>
/// Guards /metrics: loopback clients, or a configured bearer token. Behind a proxy that forwards
/// the client's address (Digest:KnownProxies), a visitor is not loopback, so the page stays closed
/// to the internet even when the proxy itself runs on this machine.
/// </summary>
internal static class MetricsAccess
{
    public static async Task CheckAsync(HttpContext http, Func<Task> next)
    {
        if (Allowed(http, http.RequestServices.GetRequiredService<IOptions<MetricsOptions>>().Value.BearerToken))
        {
            await next();
            return;
        }
        http.Response.StatusCode = StatusCodes.Status403Forbidden;
        http.Response.ContentType = "text/plain; charset=utf-8";
        await http.Response.WriteAsync("/metrics answers loopback clients, or a bearer token set in Metrics:BearerToken.\n");
    }

    static bool Allowed(HttpContext http, string? token)
    {
        if (http.Connection.RemoteIpAddress is { } address && System.Net.IPAddress.IsLoopback(address))
            return true;
        if (string.IsNullOrEmpty(token))
            return false;
        var header = http.Request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
            return false;
        // Constant time: the comparison must not tell how much of a guess was right.
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim()), Encoding.UTF8.GetBytes(token));
    }
}

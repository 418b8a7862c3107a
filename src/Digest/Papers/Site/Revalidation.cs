using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Digest.Papers.Site;

/// <summary>
/// ETag and Last-Modified on the day and paper pages, which anyone may cache: a reader, a proxy or
/// a feed reader asks again with If-None-Match / If-Modified-Since and gets a 304 when nothing
/// changed. The ETag is the page's own hash, so it changes with anything the page shows (an
/// upvote, a template); Last-Modified is when the papers shown last changed.
/// </summary>
internal static class Revalidation
{
    /// <summary>Shared caches may keep a copy, but must ask before using it: upvotes change during the day.</summary>
    const string CacheControl = "public, no-cache";

    public static Results<ContentHttpResult, StatusCodeHttpResult> Respond(HttpContext http, string body, string contentType, DateTimeOffset? lastModified, int statusCode = StatusCodes.Status200OK)
    {
        if (statusCode != StatusCodes.Status200OK)
            return TypedResults.Content(body, contentType, statusCode: statusCode);
        var etag = new EntityTagHeaderValue("\"" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)).AsSpan(0, 12)) + "\"");
        var headers = http.Response.GetTypedHeaders();
        headers.ETag = etag;
        headers.CacheControl = null;
        http.Response.Headers.CacheControl = CacheControl;
        // HTTP dates have whole seconds: a page is not "modified since" a time in the same second.
        var modified = lastModified is { } at ? new DateTimeOffset(at.UtcTicks - at.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero) : (DateTimeOffset?)null;
        if (modified is not null)
            headers.LastModified = modified;
        return NotModified(http.Request, etag, modified)
            ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
            : TypedResults.Content(body, contentType, statusCode: statusCode);
    }

    /// <summary>RFC 9110 §13.2.2: If-None-Match decides when present; If-Modified-Since only without it.</summary>
    static bool NotModified(HttpRequest request, EntityTagHeaderValue etag, DateTimeOffset? modified)
    {
        var conditions = request.GetTypedHeaders();
        if (conditions.IfNoneMatch is { Count: > 0 } candidates)
            return candidates.Any(c => c.Equals(EntityTagHeaderValue.Any) || c.Compare(etag, useStrongComparison: false));
        return modified is not null && conditions.IfModifiedSince is { } since && modified <= since;
    }
}

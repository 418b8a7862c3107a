using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Digest.Papers.Site;

/// <summary>
/// ETag and Last-Modified on the day, paper and feed answers, which anyone may cache: a reader, a
/// proxy or a feed reader asks again with If-None-Match / If-Modified-Since and gets a 304 when
/// nothing changed. The ETag is the page's own hash, so it changes with anything the page shows
/// (an upvote, a template); Last-Modified is when the papers shown last changed.
/// </summary>
internal static class Revalidation
{
    /// <summary>Shared caches may keep a copy, but must ask before using it: upvotes change during the day.</summary>
    const string CacheControl = "public, no-cache";

    public static Results<ContentHttpResult, StatusCodeHttpResult> Respond(HttpContext http, RenderedPage page)
    {
        var etag = new EntityTagHeaderValue(page.ETag);
        var headers = http.Response.GetTypedHeaders();
        headers.ETag = etag;
        http.Response.Headers.CacheControl = CacheControl;
        if (page.LastModified is { } modified)
            headers.LastModified = modified;
        return NotModified(http.Request, etag, page.LastModified)
            ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
            : TypedResults.Content(page.Body, page.ContentType);
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

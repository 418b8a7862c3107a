using Dapper;
using Digest.Subscriptions.Links;
using Digest.Subscriptions.Web;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Digest.Digests;

/// <summary>
/// /issues/{token}, the "view in browser" link of every digest: the mail's HTML as a page. The token
/// is the authorisation; a malformed, forged or revoked one, or one for a deleted issue, gets the
/// same 404 as any other broken link. A paused or unsubscribed subscriber can still read what they
/// were sent.
/// </summary>
internal static class IssuePage
{
    /// <summary>
    /// The pages' policy, except that inline styles are allowed: a mail's HTML has nothing else
    /// (mail programs drop style sheets). Still no script, and nothing loaded from anywhere.
    /// </summary>
    const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    public static void Map(IEndpointRouteBuilder pages) =>
        pages.MapGet("/issues/{token}", Show).RequireRateLimiting(RateLimits.Requests);

    static async Task<ContentHttpResult> Show(
        string token, HttpContext http, Pages pages, NpgsqlDataSource dataSource, SubscriptionLinks links, IssueReader issues,
        DigestRenderer renderer, CancellationToken cancellationToken)
    {
        const string Sql = """
            SELECT s.link_generation
            FROM digest_issues i
            JOIN subscribers s ON s.id = i.subscriber_id
            WHERE i.id = @issueId
            """;
        if (!SubscriptionLinks.TryReadId(token, out var issueId))
            return pages.UnknownLink();
        int? generation;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
            generation = await connection.QuerySingleOrDefaultAsync<int?>(new CommandDefinition(Sql, new { issueId }, cancellationToken: cancellationToken));
        // Checked before the issue is read, so a forged token costs one indexed lookup and no rendering.
        if (generation is not { } current || !await links.VerifyAsync(token, LinkPurpose.ViewIssue, current, cancellationToken))
            return pages.UnknownLink();
        if (await issues.ReadAsync(issueId, cancellationToken) is not { } content)
            return pages.UnknownLink();
        http.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        return TypedResults.Content(renderer.RenderPage(content), "text/html; charset=utf-8");
    }
}

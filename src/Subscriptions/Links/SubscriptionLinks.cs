using Dapper;
using Digest.Subscriptions.Site;
using Npgsql;

namespace Digest.Subscriptions.Links;

/// <summary>
/// The links every mail carries, for the features that send mail (the daily digest among them):
/// manage, unsubscribe (and its List-Unsubscribe headers) for a subscriber, view-in-browser for a
/// digest issue. Pass the subscriber's link_generation when you have read it anyway (the planner
/// does); the overloads without it read it.
/// </summary>
public sealed class SubscriptionLinks(LinkKey key, PublicSite site, NpgsqlDataSource dataSource)
{
    public async Task<SubscriberLinks> ForSubscriberAsync(long subscriberId, int linkGeneration, CancellationToken cancellationToken = default)
    {
        var secret = await key.GetAsync(cancellationToken);
        return new SubscriberLinks(
            site.Url("manage/" + LinkToken.Create(secret, LinkPurpose.Manage, subscriberId, linkGeneration)),
            site.Url("unsubscribe/" + LinkToken.Create(secret, LinkPurpose.Unsubscribe, subscriberId, linkGeneration)));
    }

    /// <returns>Null when there is no such subscriber.</returns>
    public async Task<SubscriberLinks?> ForSubscriberAsync(long subscriberId, CancellationToken cancellationToken = default)
    {
        const string Sql = "SELECT link_generation FROM subscribers WHERE id = @subscriberId";
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var generation = await connection.QuerySingleOrDefaultAsync<int?>(new CommandDefinition(Sql, new { subscriberId }, cancellationToken: cancellationToken));
        return generation is { } g ? await ForSubscriberAsync(subscriberId, g, cancellationToken) : null;
    }

    /// <summary>
    /// The view-in-browser link of a digest issue: /issues/{token}, where the token is a
    /// <see cref="LinkPurpose.ViewIssue"/> MAC over the issue id and its subscriber's link generation.
    /// The route that serves it reads the issue's subscriber's generation and calls <see cref="VerifyAsync"/>.
    /// </summary>
    public async Task<Uri> ViewIssueUrlAsync(long issueId, int subscriberLinkGeneration, CancellationToken cancellationToken = default) =>
        site.Url("issues/" + LinkToken.Create(await key.GetAsync(cancellationToken), LinkPurpose.ViewIssue, issueId, subscriberLinkGeneration));

    /// <summary>The id (subscriber or issue) a well-formed token names, before it is verified.</summary>
    public static bool TryReadId(string? token, out long id) => LinkToken.TryReadId(token, out id);

    /// <summary>Whether a token is genuine for this purpose and generation (constant-time comparison).</summary>
    public async Task<bool> VerifyAsync(string? token, LinkPurpose purpose, int linkGeneration, CancellationToken cancellationToken = default) =>
        LinkToken.Verify(await key.GetAsync(cancellationToken), token, purpose, linkGeneration);
}

/// <summary>A subscriber's links, as every mail to them shows them.</summary>
public sealed record SubscriberLinks(Uri Manage, Uri Unsubscribe)
{
    /// <summary>
    /// RFC 8058 one-click unsubscribe: the URL the mailbox provider POSTs
    /// "List-Unsubscribe=One-Click" to. Both headers must be covered by the DKIM signature.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> ListUnsubscribeHeaders =>
    [
        new("List-Unsubscribe", $"<{Unsubscribe.AbsoluteUri}>"),
        new("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
    ];
}

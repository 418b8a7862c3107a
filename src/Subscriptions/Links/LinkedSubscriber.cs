using Dapper;
using Npgsql;

namespace Digest.Subscriptions.Links;

/// <summary>The subscriber a manage or unsubscribe link is about, if the link is genuine and current.</summary>
internal static class LinkedSubscriber
{
    public static async Task<Subscriber?> FindAsync(
        NpgsqlConnection connection, SubscriptionLinks links, string token, LinkPurpose purpose, CancellationToken cancellationToken,
        NpgsqlTransaction? lockIn = null)
    {
        if (!SubscriptionLinks.TryReadId(token, out var id))
            return null;
        var sql = $"SELECT {Subscriber.Columns} FROM subscribers WHERE id = @id" + (lockIn is null ? "" : " FOR UPDATE");
        var subscriber = await connection.QuerySingleOrDefaultAsync<Subscriber>(new CommandDefinition(sql, new { id }, lockIn, cancellationToken: cancellationToken));
        return subscriber is not null && await links.VerifyAsync(token, purpose, subscriber.LinkGeneration, cancellationToken) ? subscriber : null;
    }
}

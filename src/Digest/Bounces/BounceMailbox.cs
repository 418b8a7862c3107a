using Digest.Mailer;
using Digest.Mailer.Bounces;
using Digest.Mailer.Smtp;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using Microsoft.Extensions.Options;

namespace Digest.Bounces;

/// <summary>
/// One pass over the bounce mailbox with MailKit's ImapClient: every message not yet flagged is
/// fetched, handed to <see cref="BounceHandler"/>, then flagged <see cref="Handled"/> (or moved to
/// Mailbox:MoveHandledTo); one that cannot be read is flagged <see cref="Unreadable"/> and stays
/// where it is for a person. A pass that dies half way is repeated safely: the handler recognises
/// reports it has already recorded.
/// </summary>
public sealed class BounceMailbox(BounceHandler handler, IOptionsMonitor<MailerOptions> options, ILogger<BounceMailbox> logger)
{
    /// <summary>The IMAP keyword on a handled report.</summary>
    public const string Handled = "$DigestHandled";

    /// <summary>The IMAP keyword on a message that could not be read as a report.</summary>
    public const string Unreadable = "$DigestUnparsed";

    public bool Configured => options.CurrentValue.Bounces.Enabled && options.CurrentValue.Bounces.Mailbox.Configured;

    /// <exception cref="MailboxUnreachableException">The server could not be reached, or refused the login or the folder.</exception>
    public async Task<BouncePass> ReadAsync(CancellationToken cancellationToken = default)
    {
        var settings = options.CurrentValue.Bounces;
        var mailbox = settings.Mailbox;
        if (!Configured)
            throw new InvalidOperationException($"{MailerOptions.Section}:Bounces:Address and Mailbox:Host are not both set: there is no bounce mailbox to read.");
        using var client = new ImapClient { Timeout = (int)mailbox.Timeout.TotalMilliseconds };
        IMailFolder folder;
        try
        {
            await client.ConnectAsync(mailbox.Host!, mailbox.Port, SocketOptions(mailbox.Tls), cancellationToken);
            await client.AuthenticateAsync(mailbox.User!, mailbox.Password!, cancellationToken);
            folder = await client.GetFolderAsync(mailbox.Folder, cancellationToken);
            await folder.OpenAsync(FolderAccess.ReadWrite, cancellationToken);
        }
        catch (Exception e) when (IsMailboxProblem(e, cancellationToken))
        {
            throw new MailboxUnreachableException($"The bounce mailbox {mailbox.User}@{mailbox.Host}:{mailbox.Port}/{mailbox.Folder} could not be opened: {e.Message}", e);
        }

        var pass = BouncePass.Nothing;
        try
        {
            IMailFolder? moveTo = string.IsNullOrWhiteSpace(mailbox.MoveHandledTo) ? null : await client.GetFolderAsync(mailbox.MoveHandledTo, cancellationToken);
            // Keywords when the server keeps them (Dovecot, most others); \Seen otherwise.
            var keywords = folder.PermanentFlags.HasFlag(MessageFlags.UserDefined);
            var query = keywords
                ? SearchQuery.Not(SearchQuery.HasKeyword(Handled)).And(SearchQuery.Not(SearchQuery.HasKeyword(Unreadable)))
                : SearchQuery.NotSeen;
            var uids = (await folder.SearchAsync(query, cancellationToken)).Take(settings.MaxPerPass).ToList();
            var handled = new List<UniqueId>();
            foreach (var uid in uids)
            {
                byte[] raw;
                await using (var stream = await folder.GetStreamAsync(uid, cancellationToken))
                {
                    using var copy = new MemoryStream();
                    await stream.CopyToAsync(copy, cancellationToken);
                    raw = copy.ToArray();
                }
                var result = await handler.HandleAsync(raw, cancellationToken);
                pass = pass.Add(result);
                if (result.Outcome == BounceOutcome.Unparsed)
                    await Flag(folder, [uid], keywords ? Unreadable : null, cancellationToken);
                else
                    handled.Add(uid);
            }
            if (handled.Count > 0)
            {
                await Flag(folder, handled, keywords ? Handled : null, cancellationToken);
                if (moveTo is not null)
                    await folder.MoveToAsync(handled, moveTo, cancellationToken);
            }
            await client.DisconnectAsync(quit: true, cancellationToken);
        }
        catch (Exception e) when (IsMailboxProblem(e, cancellationToken))
        {
            // What was recorded stays recorded; the unflagged rest comes again next pass.
            logger.LogWarning("The bounce mailbox connection failed during a pass after {Fetched} messages: {Error}", pass.Fetched, e.Message);
            throw new MailboxUnreachableException($"The bounce mailbox connection failed during the pass: {e.Message}", e);
        }
        return pass;
    }

    static async Task Flag(IMailFolder folder, IList<UniqueId> uids, string? keyword, CancellationToken cancellationToken)
    {
        var request = keyword is null
            ? new StoreFlagsRequest(StoreAction.Add, MessageFlags.Seen) { Silent = true }
            : new StoreFlagsRequest(StoreAction.Add, new HashSet<string>([keyword])) { Silent = true };
        await folder.StoreAsync(uids, request, cancellationToken);
    }

    static SecureSocketOptions SocketOptions(TlsMode tls) => tls switch
    {
        TlsMode.None => SecureSocketOptions.None,
        TlsMode.Opportunistic => SecureSocketOptions.StartTlsWhenAvailable,
        TlsMode.Required => SecureSocketOptions.StartTls,
        _ => SecureSocketOptions.SslOnConnect,
    };

    static bool IsMailboxProblem(Exception e, CancellationToken cancellationToken) =>
        e is IOException or System.Net.Sockets.SocketException or ProtocolException or CommandException or AuthenticationException
            or ServiceNotConnectedException or ServiceNotAuthenticatedException or FolderNotFoundException or SslHandshakeException
            or ImapCommandException or TimeoutException
        || e is OperationCanceledException && !cancellationToken.IsCancellationRequested;
}

/// <summary>The bounce mailbox could not be read this time; the job retries with backoff.</summary>
public sealed class MailboxUnreachableException(string message, Exception inner) : Exception(message, inner);

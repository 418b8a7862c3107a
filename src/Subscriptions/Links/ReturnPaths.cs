using Digest.Mailer;
using Digest.Mailer.Bounces;
using Microsoft.Extensions.Options;

namespace Digest.Subscriptions.Links;

/// <summary>
/// The envelope sender (VERP return path) of every mail: <c>bounces+TOKEN@domain</c> from
/// Mailer:Bounces:Address, the token a <see cref="BounceToken"/> signed with the link key. Null
/// while bounces are off, so the mail keeps From as its envelope sender.
/// </summary>
public sealed class ReturnPaths(LinkKey key, IOptions<MailerOptions> options, TimeProvider clock)
{
    readonly MailboxAddress? _base = options.Value.Bounces.Enabled ? MailboxAddress.Parse(options.Value.Bounces.Address!) : null;

    public bool Enabled => _base is not null;

    public async ValueTask<MailboxAddress?> ForIssueAsync(long issueId, long subscriberId, CancellationToken cancellationToken = default) =>
        await ForAsync(BouncedMail.DigestIssue, subscriberId, issueId, cancellationToken);

    public async ValueTask<MailboxAddress?> ForTransactionalAsync(long subscriberId, CancellationToken cancellationToken = default) =>
        await ForAsync(BouncedMail.Transactional, subscriberId, 0, cancellationToken);

    async ValueTask<MailboxAddress?> ForAsync(BouncedMail mail, long subscriberId, long mailId, CancellationToken cancellationToken)
    {
        if (_base is null)
            return null;
        var token = new BounceToken(mail, subscriberId, mailId, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime));
        return VerpAddress.Create(_base, token.Create(await key.GetAsync(cancellationToken)));
    }

    /// <summary>What a return path found in a report says about the mail it belongs to.</summary>
    public async ValueTask<ReturnPathMatch> ReadAsync(string address, CancellationToken cancellationToken = default)
    {
        if (_base is null || !VerpAddress.TryReadToken(_base, address, out var text))
            return ReturnPathMatch.NotOurs;
        if (!BounceToken.TryRead(await key.GetAsync(cancellationToken), text, out var token))
            return ReturnPathMatch.Forged;
        var age = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime).DayNumber - token.Sent.DayNumber;
        return age < 0 || age > options.Value.Bounces.TokenLifetime.TotalDays
            ? ReturnPathMatch.Stale
            : new ReturnPathMatch(ReturnPathVerdict.Genuine, token);
    }
}

public enum ReturnPathVerdict
{
    /// <summary>Not a return path of ours (another address the report was sent to).</summary>
    NotOurs,

    /// <summary>Ours in shape, but the MAC does not hold: made up, or altered.</summary>
    Forged,

    /// <summary>Genuine, but older than Mailer:Bounces:TokenLifetime (or from the future).</summary>
    Stale,

    Genuine,
}

public sealed record ReturnPathMatch(ReturnPathVerdict Verdict, BounceToken? Token)
{
    public static readonly ReturnPathMatch NotOurs = new(ReturnPathVerdict.NotOurs, null);
    public static readonly ReturnPathMatch Forged = new(ReturnPathVerdict.Forged, null);
    public static readonly ReturnPathMatch Stale = new(ReturnPathVerdict.Stale, null);
}

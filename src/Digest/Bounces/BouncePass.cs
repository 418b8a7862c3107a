namespace Digest.Bounces;

/// <summary>What one pass over the bounce mailbox did (the <c>bounces</c> verb prints it; the job logs it).</summary>
/// <param name="Fetched">Messages read that no earlier pass had flagged.</param>
/// <param name="Duplicates">Reports already handled (seen under another copy, or before a crash): nothing done again.</param>
/// <param name="Suppressed">Subscribers suppressed by this pass's hard bounces.</param>
/// <param name="Unsubscribed">Subscribers unsubscribed by this pass's complaints.</param>
public sealed record BouncePass(
    int Fetched, int HardBounces, int SoftBounces, int Delayed, int Complaints, int AutoReplies,
    int Unparsed, int UnknownTokens, int Unmatched, int Ignored, int Duplicates, int Suppressed, int Unsubscribed)
{
    public static readonly BouncePass Nothing = new(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    public int Bounces => HardBounces + SoftBounces;

    public BouncePass Add(BounceResult result) => (result.Duplicate ? this with { Duplicates = Duplicates + 1 } : result.Outcome switch
    {
        BounceOutcome.HardBounce => this with { HardBounces = HardBounces + 1 },
        BounceOutcome.SoftBounce => this with { SoftBounces = SoftBounces + 1 },
        BounceOutcome.Delayed => this with { Delayed = Delayed + 1 },
        BounceOutcome.Complaint => this with { Complaints = Complaints + 1 },
        BounceOutcome.AutoReply => this with { AutoReplies = AutoReplies + 1 },
        BounceOutcome.Unparsed => this with { Unparsed = Unparsed + 1 },
        BounceOutcome.UnknownToken => this with { UnknownTokens = UnknownTokens + 1 },
        BounceOutcome.Unmatched => this with { Unmatched = Unmatched + 1 },
        _ => this with { Ignored = Ignored + 1 },
    }) with
    {
        Fetched = Fetched + 1,
        Suppressed = Suppressed + (result.Suppressed ? 1 : 0),
        Unsubscribed = Unsubscribed + (result.Unsubscribed ? 1 : 0),
    };
}

/// <summary>What became of one message.</summary>
/// <param name="Duplicate">Its report key was already recorded: nothing was done.</param>
public sealed record BounceResult(BounceOutcome Outcome, bool Duplicate = false, bool Suppressed = false, bool Unsubscribed = false);

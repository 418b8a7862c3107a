namespace Digest.Bounces;

/// <summary>What a message from the bounce mailbox came to; bounce_reports.outcome.</summary>
public enum BounceOutcome
{
    /// <summary>The address itself is bad (5.1.x, 5.2.1): counts towards suppression.</summary>
    HardBounce,

    /// <summary>Another permanent failure (mailbox full, policy): recorded only.</summary>
    SoftBounce,

    /// <summary>Still trying (Action: delayed): recorded only.</summary>
    Delayed,

    /// <summary>"This is spam" (Feedback-Type: abuse): the subscriber is unsubscribed at once.</summary>
    Complaint,

    /// <summary>A vacation or other automatic reply: never a bounce.</summary>
    AutoReply,

    /// <summary>Could not be read as any kind of report; stays in the mailbox for a person.</summary>
    Unparsed,

    /// <summary>Named a return path of ours whose token is forged or stale, or whose mail is gone.</summary>
    UnknownToken,

    /// <summary>A readable report that names no mail of ours (no token, no Message-ID we sent).</summary>
    Unmatched,

    /// <summary>A report that asks nothing of us (delivered, relayed, a feedback type other than abuse).</summary>
    Ignored,
}

internal static class BounceOutcomes
{
    /// <summary>The value in bounce_reports.outcome.</summary>
    public static string ToColumn(this BounceOutcome outcome) => outcome switch
    {
        BounceOutcome.HardBounce => "hard-bounce",
        BounceOutcome.SoftBounce => "soft-bounce",
        BounceOutcome.Delayed => "delayed",
        BounceOutcome.Complaint => "complaint",
        BounceOutcome.AutoReply => "auto-reply",
        BounceOutcome.Unparsed => "unparsed",
        BounceOutcome.UnknownToken => "unknown-token",
        BounceOutcome.Unmatched => "unmatched",
        BounceOutcome.Ignored => "ignored",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };

    public static BounceOutcome FromColumn(string value) =>
        Enum.GetValues<BounceOutcome>().First(o => o.ToColumn() == value);
}

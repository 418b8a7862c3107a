using Dapper;
using Digest.Mailer;

namespace Digest.Subscriptions.Delivery;

/// <summary>What an attempt means for its row: a final state, or queued again (when, and why).</summary>
/// <param name="LastOutcome">The attempt's <see cref="DeliveryOutcome"/> name, or "Cancelled".</param>
public sealed record Decision(long Id, QueueState State, string LastOutcome, Fault Fault, string? Detail, DateTimeOffset DueAt, bool UnknownResent)
{
    /// <summary>Kept queued because a relay refuses the sender: no one's bounce, and it waits for the setup to be fixed.</summary>
    public bool Held => State == QueueState.Queued && Fault == Fault.Sender;

    /// <summary>
    /// The decisions as the columns both queues' record statements unnest: @Ids, @States,
    /// @Outcomes, @Faults, @Details, @DueAts, @UnknownResent, plus @Claim and @Now.
    /// </summary>
    public static DynamicParameters Columns(IReadOnlyList<Decision> decisions, Guid claim, DateTimeOffset now)
    {
        var parameters = new DynamicParameters();
        parameters.Add("Ids", decisions.Select(d => d.Id).ToArray());
        parameters.Add("States", decisions.Select(d => d.State.Name()).ToArray());
        parameters.Add("Outcomes", decisions.Select(d => d.LastOutcome).ToArray());
        parameters.Add("Faults", decisions.Select(d => d.Fault.Name()).ToArray());
        parameters.Add("Details", decisions.Select(d => d.Detail is { Length: > 1000 } text ? text[..1000] : d.Detail).ToArray());
        parameters.Add("DueAts", decisions.Select(d => d.DueAt.UtcDateTime).ToArray());
        parameters.Add("UnknownResent", decisions.Select(d => d.UnknownResent).ToArray());
        parameters.Add("Claim", claim);
        parameters.Add("Now", now);
        return parameters;
    }

    /// <summary>The one retry and give-up policy of every leased queue.</summary>
    public static Decision Of(IQueuedMail row, Attempt attempt, DateTimeOffset now, LeasedQueueOptions settings)
    {
        if (attempt.Kind == AttemptKind.Cancelled)
            return new(row.Id, QueueState.Cancelled, "Cancelled", Fault.None, attempt.Detail, now, row.UnknownResent);
        var outcome = attempt.Outcome.ToString();
        Decision Final(QueueState state, string? detail = null) => new(row.Id, state, outcome, attempt.Fault, detail ?? attempt.Detail, now, row.UnknownResent);
        Decision Again(DateTimeOffset due, bool unknownResent) => new(row.Id, QueueState.Queued, outcome, attempt.Fault, attempt.Detail, due, unknownResent);
        var queuedAt = new DateTimeOffset(DateTime.SpecifyKind(row.QueuedAt, DateTimeKind.Utc));
        Decision AgainUnlessTooOld(DateTimeOffset due) => due - queuedAt > settings.GiveUpAfter
            ? Final(QueueState.Expired, $"gave up after {row.Attempts} attempts over {settings.GiveUpAfter}: {attempt.Detail}")
            : Again(due, row.UnknownResent);

        if (attempt.Fault == Fault.Sender && attempt.Outcome is DeliveryOutcome.Failed or DeliveryOutcome.Deferred)
            // The relay refuses the sender or its setup: every message would fail, none through the
            // recipients' fault. Held, at a steady pace (no doubling), until the setup is fixed.
            return AgainUnlessTooOld(now + settings.RetryDelay);
        return attempt.Outcome switch
        {
            DeliveryOutcome.Sent => Final(QueueState.Sent),
            DeliveryOutcome.Failed => Final(QueueState.Failed),
            // Maybe delivered, maybe not: once more, with the same Message-ID, so a receiver can drop it.
            DeliveryOutcome.Unknown when !row.UnknownResent => Again(now + RetryDelay.After(1, settings.RetryDelay, settings.MaxRetryDelay), true),
            DeliveryOutcome.Unknown => Final(QueueState.Unknown),
            _ => AgainUnlessTooOld(now + RetryDelay.After(row.Attempts, settings.RetryDelay, settings.MaxRetryDelay)),
        };
    }
}

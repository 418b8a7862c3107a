using Digest.Mailer;
using Microsoft.Extensions.Options;
using Quartz;

namespace Digest.Bounces;

/// <summary>
/// Reads the bounce mailbox every Mailer:Bounces:CheckEvery, once across the cluster. A mailbox
/// that cannot be reached is tried again with a doubling wait (up to Mailer:Bounces:MaxRetryDelay)
/// kept in the job's own data, so every instance honours it; delivery never waits for it.
/// </summary>
[DisallowConcurrentExecution]
[PersistJobDataAfterExecution]
public sealed class BounceJob(BounceMailbox mailbox, TimeProvider clock, IOptionsMonitor<MailerOptions> options, ILogger<BounceJob> logger) : IJob
{
    public static readonly JobKey Key = new("read-mailbox", "bounces");
    public static readonly TriggerKey TriggerKey = new("read-mailbox-every", "bounces");

    const string FailuresKey = "failures";
    const string RetryAtKey = "retry-at";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        if (!mailbox.Configured)
            return;
        var data = context.JobDetail.JobDataMap;
        var now = clock.GetUtcNow();
        if (data.TryGetString(RetryAtKey, out var retryAt) && DateTimeOffset.TryParse(retryAt, System.Globalization.CultureInfo.InvariantCulture, out var at) && now < at)
            return;
        try
        {
            var pass = await mailbox.ReadAsync(cancellationToken);
            data.Remove(FailuresKey);
            data.Remove(RetryAtKey);
            if (pass.Fetched > 0)
            {
                logger.LogInformation(
                    "Bounce mailbox: {Fetched} read: {Bounces} bounces ({HardBounces} hard), {Delayed} delayed, {Complaints} complaints, {AutoReplies} auto-replies ignored, {Unparsed} unparsed, {UnknownTokens} unknown tokens, {Unmatched} unmatched, {Duplicates} already handled; {Suppressed} suppressed, {Unsubscribed} unsubscribed",
                    pass.Fetched, pass.Bounces, pass.HardBounces, pass.Delayed, pass.Complaints, pass.AutoReplies, pass.Unparsed,
                    pass.UnknownTokens, pass.Unmatched, pass.Duplicates, pass.Suppressed, pass.Unsubscribed);
            }
        }
        catch (MailboxUnreachableException e)
        {
            var failures = (data.TryGetInt(FailuresKey, out var f) ? f : 0) + 1;
            var settings = options.CurrentValue.Bounces;
            var wait = RetryDelay.After(failures, settings.CheckEvery, settings.MaxRetryDelay);
            data[FailuresKey] = failures;
            data[RetryAtKey] = (now + wait).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
            logger.LogWarning("{Error} (attempt {Failures}; next in {Wait})", e.Message, failures, wait);
        }
    }
}

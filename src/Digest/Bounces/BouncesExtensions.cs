using Digest.Mailer;
using Digest.Schedules;
using Microsoft.Extensions.Options;

namespace Digest.Bounces;

public static class BouncesExtensions
{
    /// <summary>
    /// Bounces and complaints: the handler, the mailbox reader and its clustered job (which does
    /// nothing while Mailer:Bounces is not configured). Needs AddMailer, AddSubscriptions, AddDigests and AddSchedules.
    /// </summary>
    public static IHostApplicationBuilder AddBounces(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<BounceHandler>();
        builder.Services.AddSingleton<BounceMailbox>();
        builder.AddRecurringJob<BounceJob>(BounceJob.Key, BounceJob.TriggerKey,
            "Reads the bounce mailbox and acts on bounces and complaints (Mailer:Bounces:CheckEvery)",
            provider => provider.GetRequiredService<IOptions<MailerOptions>>().Value.Bounces.CheckEvery);
        return builder;
    }
}

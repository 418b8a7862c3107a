using Digest.Mailer.Dkim;
using Digest.Mailer.Mime;
using Digest.Mailer.Pickup;
using Digest.Mailer.Relays;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Digest.Mailer;

public static class MailerExtensions
{
    /// <summary>
    /// The Mailer: options from the "Mailer" section (checked at start), the message writer (DKIM
    /// when a key is configured) and one <see cref="IMailTransport"/>: the SMTP relays when
    /// Mailer:Relays has entries, otherwise the pickup folder Mailer:PickupFolder.
    /// </summary>
    public static IHostApplicationBuilder AddMailer(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<MailerOptions>()
            .BindConfiguration(MailerOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<MailerOptions>, MailerOptionsValidation>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(services =>
        {
            var dkim = services.GetRequiredService<IOptions<MailerOptions>>().Value.Dkim;
            var signer = dkim.Enabled ? DkimSigner.FromPemFile(dkim.Domain!, dkim.Selector!, dkim.PrivateKeyPath!) : null;
            return new MessageWriter(signer, services.GetRequiredService<TimeProvider>());
        });
        builder.Services.AddSingleton<IMailTransport>(services =>
        {
            var options = services.GetRequiredService<IOptions<MailerOptions>>().Value;
            var writer = services.GetRequiredService<MessageWriter>();
            var time = services.GetRequiredService<TimeProvider>();
            return options.Relays.Count > 0
                ? new SmtpTransport(options, writer, services.GetRequiredService<ILoggerFactory>(), time)
                : new PickupFolderTransport(options.PickupFolder!, writer, services.GetRequiredService<ILogger<PickupFolderTransport>>(), time);
        });
        return builder;
    }
}

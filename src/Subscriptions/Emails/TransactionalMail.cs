using Digest.Mailer;
using Digest.Subscriptions.Settings;
using Digest.Subscriptions.Site;
using Digest.Templates;

namespace Digest.Subscriptions.Emails;

/// <summary>The mails the subscribe form (and an import) cause, rendered from templates/emails/*.hbs.</summary>
public sealed class TransactionalMail(TemplateRenderer templates, PublicSite site)
{
    public const string ConfirmationKind = "confirmation";
    public const string AlreadySubscribedKind = "already-subscribed";

    internal EmailMessage Confirmation(MailboxAddress to, MailboxAddress? returnPath, Uri confirmUrl, SubscriptionSettings settings, TimeSpan lifetime) =>
        Build(to, returnPath, templates.RenderEmail(ConfirmationKind, new ConfirmationEmail(
            confirmUrl.AbsoluteUri,
            settings.Topics.Select(t => t.ToString()).ToList(),
            settings.Schedule,
            Describe(lifetime),
            site.BaseUrl.AbsoluteUri)));

    internal EmailMessage AlreadySubscribed(MailboxAddress to, MailboxAddress? returnPath, Uri manageUrl) =>
        Build(to, returnPath, templates.RenderEmail(AlreadySubscribedKind, new AlreadySubscribedEmail(manageUrl.AbsoluteUri, site.BaseUrl.AbsoluteUri)));

    /// <param name="returnPath">The VERP envelope sender (<see cref="Links.ReturnPaths"/>); null while bounces are off.</param>
    EmailMessage Build(MailboxAddress to, MailboxAddress? returnPath, RenderedEmail email) => new()
    {
        From = site.From,
        EnvelopeFrom = returnPath,
        To = [to],
        Subject = email.Subject,
        TextBody = email.Text,
        HtmlBody = email.Html,
        // Fixed now, so every retry of this mail carries the same one and receivers can drop duplicates.
        MessageId = $"{Guid.CreateVersion7():N}@{site.From.Domain}",
        // RFC 3834: a machine wrote this; out-of-office robots should not answer it.
        Headers = [new("Auto-Submitted", "auto-generated")],
    };

    static string Describe(TimeSpan lifetime) =>
        lifetime.TotalHours >= 1 && lifetime.TotalHours % 1 == 0 ? $"{lifetime.TotalHours:0} hours" : $"{Math.Ceiling(lifetime.TotalMinutes):0} minutes";
}

internal sealed record ConfirmationEmail(string ConfirmUrl, IReadOnlyList<string> Topics, string Schedule, string ExpiresIn, string SiteUrl);

internal sealed record AlreadySubscribedEmail(string ManageUrl, string SiteUrl);

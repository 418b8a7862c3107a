using Digest.Mailer;
using Digest.Subscriptions.Outbox;

namespace Digest.Subscriptions.Tests.Outbox;

public sealed class StoredMessageTests
{
    [Test]
    public void A_message_whose_bodies_came_as_UTF8_is_kept_and_read_back_as_the_same_text()
    {
        var message = new EmailMessage
        {
            From = MailboxAddress.Parse("digest@example.org", "Digest"),
            To = [MailboxAddress.Parse("zoe@example.org", "Zoë")],
            Subject = "Confirm",
            MessageId = "confirm-1@example.org",
            TextBodyUtf8 = "Zoë — confirm 🧪\n"u8.ToArray(),
            HtmlBodyUtf8 = "<p>Zoë — confirm 🧪</p>"u8.ToArray(),
        };

        var back = StoredMessage.Deserialize(StoredMessage.Serialize(message));

        Assert.That(back.TextBody, Is.EqualTo("Zoë — confirm 🧪\n"));
        Assert.That(back.HtmlBody, Is.EqualTo("<p>Zoë — confirm 🧪</p>"));
        Assert.That(back.TextBodyUtf8, Is.Null);
    }

    [Test]
    public void A_message_whose_body_is_already_encoded_is_refused_rather_than_queued_without_it()
    {
        using var html = new QuotedPrintableBody();
        html.Append(QuotedPrintablePiece.Of("<p>confirm</p>"));
        var message = new EmailMessage
        {
            From = MailboxAddress.Parse("digest@example.org"),
            To = [MailboxAddress.Parse("zoe@example.org")],
            Subject = "Confirm",
            MessageId = "confirm-2@example.org",
            HtmlBodyQuotedPrintable = html,
        };

        Assert.Throws<ArgumentException>(() => StoredMessage.Serialize(message));
    }
}

namespace Digest.Mailer.Tests.Relays;

/// <summary>What the relay tests send, how they tell the messages apart at the sink, and the scripted server's greeting.</summary>
internal static class RelayMail
{
    /// <summary>A scripted server's greeting and EHLO, offering PIPELINING.</summary>
    public static readonly string[] Greeting =
        ["S: 220 scripted.example.test ESMTP", "C: EHLO client.example.test", "S: 250-scripted.example.test", "S: 250 PIPELINING"];

    /// <summary>The Message-ID of a message as received, without its brackets.</summary>
    public static string IdOf(string message) =>
        message.Split('\n').First(l => l.StartsWith("Message-ID: ", StringComparison.Ordinal))["Message-ID: ".Length..].Trim('<', '>', '\r');

    public static EmailMessage Message(string id, string to = "reader@example.test", string textBody = "Hello from the pool.\n") => new()
    {
        From = MailboxAddress.Parse("digest@example.org"),
        To = [MailboxAddress.Parse(to)],
        Subject = "Pool",
        MessageId = id,
        TextBody = textBody,
    };
}

namespace Digest.Digests;

/// <summary>Everything one digest mail shows, ready to render: the papers in rank order and the subscriber's links.</summary>
public sealed record DigestContent(
    DateOnly Period,
    Frequency Frequency,
    IReadOnlyList<IssuePaper> Papers,
    IReadOnlyList<string> SubscriberTopics,
    Uri ManageUrl,
    Uri UnsubscribeUrl,
    Uri ViewUrl,
    Uri SiteUrl)
{
    /// <summary>The issue's VERP envelope sender (bounces come back naming it); null while bounces are off.</summary>
    public Mailer.MailboxAddress? ReturnPath { get; init; }
}

/// <summary>A paper as a digest shows it, with the subscriber's topics it matched.</summary>
public sealed record IssuePaper(
    string Id,
    string Title,
    IReadOnlyList<string> Authors,
    string Abstract,
    int Upvotes,
    string? PageUrl,
    string? PdfUrl,
    string? CodeUrl,
    IReadOnlyList<string> Topics);

public enum Frequency
{
    Daily,
    Weekly,
}

using Digest.Subscriptions.Links;

namespace Digest.Subscriptions.Tests.Links;

/// <summary>
/// Links and return paths already sent must keep verifying: these pin both formats to the exact
/// text one fixed key gives, so a change to how the tokens are built cannot slip through.
/// </summary>
public sealed class TokenFormatTests
{
    static readonly byte[] Key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

    const string Link = "AAAAAAAAACoz3fbauidvyoROIhnx7ArA7PDo5tkGBJI";
    const string Bounce = "aee55b5njpgygbubxqseeha6yjkx4fq";
    static readonly BounceToken Bounced = new(BouncedMail.DigestIssue, 1_234_567, 98_765, new DateOnly(2026, 12, 1));

    [Test]
    public void A_link_token_is_the_text_it_always_was()
    {
        Assert.That(LinkToken.Create(Key, LinkPurpose.Manage, 42, 3), Is.EqualTo(Link));
        Assert.That(LinkToken.Verify(Key, Link, LinkPurpose.Manage, 3), Is.True);
    }

    [Test]
    public void A_bounce_token_is_the_text_it_always_was()
    {
        Assert.That(Bounced.Create(Key), Is.EqualTo(Bounce));
        Assert.That(BounceToken.TryRead(Key, Bounce, out var read) && read == Bounced, Is.True);
    }
}

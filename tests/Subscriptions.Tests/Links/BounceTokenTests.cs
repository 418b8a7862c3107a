using System.Security.Cryptography;
using Digest.Mailer;
using Digest.Mailer.Bounces;
using Digest.Subscriptions.Links;

namespace Digest.Subscriptions.Tests.Links;

public sealed class BounceTokenTests
{
    static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);
    static readonly DateOnly Today = new(2026, 12, 1);

    [TestCase(BouncedMail.DigestIssue, 1L, 1L)]
    [TestCase(BouncedMail.DigestIssue, 1_234_567L, 98_765_432_101L)]
    [TestCase(BouncedMail.Transactional, 42L, 0L)]
    [TestCase(BouncedMail.DigestIssue, long.MaxValue, long.MaxValue)]
    public void A_token_reads_back_as_the_mail_it_names_and_fits_a_local_part(BouncedMail mail, long subscriberId, long mailId)
    {
        var token = new BounceToken(mail, subscriberId, mailId, Today);

        var text = token.Create(Key);

        Assert.That(BounceToken.TryRead(Key, text, out var read), Is.True);
        Assert.That(read, Is.EqualTo(token));
        Assert.That(text, Does.Match("^[a-z2-7]+$"), "lower-case base32: survives relays that fold the local part's case");
        Assert.That(text, Has.Length.LessThanOrEqualTo(BounceToken.MaxLength));
        var address = VerpAddress.Create(MailboxAddress.Parse("bounces@digest.example.org"), text);
        Assert.That(address.LocalPart.Length, Is.LessThanOrEqualTo(64), address.Address);
    }

    [Test]
    public void The_longest_token_is_what_the_options_leave_room_for() =>
        Assert.That(BounceToken.MaxLength, Is.EqualTo(BounceOptions.MaxTokenLength));

    [Test]
    public void A_token_is_read_whatever_the_letter_case_a_relay_gave_it()
    {
        var text = new BounceToken(BouncedMail.DigestIssue, 7, 9, Today).Create(Key);

        Assert.That(BounceToken.TryRead(Key, text.ToUpperInvariant(), out var read) && read.MailId == 9, Is.True);
    }

    [Test]
    public void Any_changed_character_or_another_key_makes_the_token_worthless()
    {
        var text = new BounceToken(BouncedMail.DigestIssue, 7, 9, Today).Create(Key);
        for (var i = 0; i < text.Length; i++)
        {
            var changed = text[..i] + (text[i] == 'a' ? 'b' : 'a') + text[(i + 1)..];
            Assert.That(BounceToken.TryRead(Key, changed, out _), Is.False, $"character {i} changed");
        }
        Assert.That(BounceToken.TryRead(RandomNumberGenerator.GetBytes(32), text, out _), Is.False);
    }

    [Test]
    public void A_bounce_token_is_never_a_link_and_a_link_is_never_a_bounce_token()
    {
        var bounce = new BounceToken(BouncedMail.DigestIssue, 7, 9, Today).Create(Key);
        var link = LinkToken.Create(Key, LinkPurpose.Unsubscribe, 7, 1);

        Assert.That(LinkToken.Verify(Key, bounce, LinkPurpose.Unsubscribe, 1), Is.False);
        Assert.That(LinkToken.Verify(Key, bounce, LinkPurpose.Manage, 1), Is.False);
        Assert.That(BounceToken.TryRead(Key, link, out _), Is.False);
        Assert.That(BounceToken.TryRead(Key, link.ToLowerInvariant(), out _), Is.False);
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("a")]
    [TestCase("not-base32!")]
    [TestCase("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public void A_malformed_token_is_refused(string? text) =>
        Assert.That(BounceToken.TryRead(Key, text, out _), Is.False);

    [TestCase("bounces+abc@digest.example.org", "abc")]
    [TestCase("<BOUNCES+abc@Digest.Example.org>", "abc")]
    [TestCase("bounces@digest.example.org", null)]
    [TestCase("bounces+abc@other.example", null)]
    [TestCase("someone+abc@digest.example.org", null)]
    public void The_token_is_found_only_in_our_own_return_path(string address, string? token)
    {
        var found = VerpAddress.TryReadToken(MailboxAddress.Parse("bounces@digest.example.org"), address, out var read);

        Assert.That(found ? read : null, Is.EqualTo(token));
    }
}

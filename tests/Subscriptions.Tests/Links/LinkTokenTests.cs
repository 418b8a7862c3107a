using System.Buffers.Text;
using System.Security.Cryptography;
using Digest.Subscriptions.Links;
using Digest.Subscriptions.Tests.Harness;
using Npgsql;

namespace Digest.Subscriptions.Tests.Links;

public sealed class LinkTokenTests
{
    static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);

    [Test]
    public void A_token_names_its_id_and_verifies_for_its_purpose_and_generation_only()
    {
        var token = LinkToken.Create(Key, LinkPurpose.Manage, 42, 3);

        Assert.That(token, Has.Length.EqualTo(43).And.Match("^[A-Za-z0-9_-]+$"));
        Assert.That(LinkToken.TryReadId(token, out var id) && id == 42, Is.True);
        Assert.That(LinkToken.Verify(Key, token, LinkPurpose.Manage, 3), Is.True);
        Assert.That(LinkToken.Verify(Key, token, LinkPurpose.Unsubscribe, 3), Is.False, "another purpose");
        Assert.That(LinkToken.Verify(Key, token, LinkPurpose.Manage, 4), Is.False, "a later generation");
        Assert.That(LinkToken.Verify(RandomNumberGenerator.GetBytes(32), token, LinkPurpose.Manage, 3), Is.False, "another key");
    }

    [Test]
    public void A_token_made_for_one_id_cannot_be_moved_to_another()
    {
        var bytes = Base64Url.DecodeFromChars(LinkToken.Create(Key, LinkPurpose.Unsubscribe, 42, 1));
        bytes[7] ^= 1; // id 43, same MAC

        Assert.That(LinkToken.Verify(Key, Base64Url.EncodeToString(bytes), LinkPurpose.Unsubscribe, 1), Is.False);
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("short")]
    [TestCase("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [TestCase("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.")]
    [TestCase("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void A_malformed_token_is_refused(string? token)
    {
        Assert.That(LinkToken.Verify(Key, token, LinkPurpose.Manage, 1), Is.False);
    }

    [Test]
    public void The_mac_carries_192_bits()
    {
        var bytes = Base64Url.DecodeFromChars(LinkToken.Create(Key, LinkPurpose.ViewIssue, 1, 1));

        Assert.That(bytes, Has.Length.EqualTo(32), "8 bytes of id, 24 of MAC");
    }

    [Test]
    public async Task Every_instance_signs_with_the_same_key_generated_once_and_kept_in_the_database()
    {
        await using var service = await TestService.StartAsync();
        await using var dataSource = NpgsqlDataSource.Create(service.ConnectionString);
        var instances = Enumerable.Range(0, 4).Select(_ => new LinkKey(dataSource)).ToList();

        var keys = await Task.WhenAll(instances.Select(k => k.GetAsync().AsTask()));

        Assert.That(keys.Select(Convert.ToHexString).Distinct().Count(), Is.EqualTo(1));
        Assert.That(keys[0], Has.Length.EqualTo(32));
        Assert.That(await service.ScalarAsync<int>("SELECT count(*) FROM server_secrets"), Is.EqualTo(1));
        Assert.That(Convert.ToHexString((await service.Service<LinkKey>().GetAsync())), Is.EqualTo(Convert.ToHexString(keys[0])));
    }

    [Test]
    public async Task The_links_for_the_digest_use_the_public_url_and_carry_the_one_click_headers()
    {
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Digest:PublicUrl"] = "https://papers.example.org" });
        using var client = service.Client();
        var id = await Subscribers.ActiveAsync(service, client, "links@example.org");
        var links = service.Service<SubscriptionLinks>();

        var subscriber = await links.ForSubscriberAsync(id);
        var view = await links.ViewIssueUrlAsync(issueId: 77, subscriberLinkGeneration: 1);

        Assert.That(subscriber!.Manage.AbsoluteUri, Does.Match("^https://papers.example.org/manage/[A-Za-z0-9_-]{43}$"));
        Assert.That(subscriber.Unsubscribe.AbsoluteUri, Does.Match("^https://papers.example.org/unsubscribe/[A-Za-z0-9_-]{43}$"));
        Assert.That(subscriber.ListUnsubscribeHeaders, Is.EqualTo(new KeyValuePair<string, string>[]
        {
            new("List-Unsubscribe", $"<{subscriber.Unsubscribe.AbsoluteUri}>"),
            new("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        }));
        Assert.That(view.AbsoluteUri, Does.Match("^https://papers.example.org/issues/[A-Za-z0-9_-]{43}$"));
        Assert.That(SubscriptionLinks.TryReadId(view.Segments[^1], out var issue) && issue == 77, Is.True);
        Assert.That(await links.VerifyAsync(view.Segments[^1], LinkPurpose.ViewIssue, 1), Is.True);
        Assert.That(await links.VerifyAsync(view.Segments[^1], LinkPurpose.ViewIssue, 2), Is.False);
        Assert.That(await links.ForSubscriberAsync(id + 1000), Is.Null);
    }
}

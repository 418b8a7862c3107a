using Digest.Subscriptions.Tests.Harness;

namespace Digest.Subscriptions.Tests.Housekeeping;

public sealed class HousekeepingTests
{
    [Test]
    public async Task Unconfirmed_sign_ups_and_their_links_are_purged_after_48_hours_and_confirmed_ones_stay()
    {
        await using var service = await TestService.StartAsync();
        using var client = service.Client();
        var housekeeping = service.Service<Subscriptions.Housekeeping.Housekeeping>();
        await Forms.SubscribeAsync(client, "never-confirmed@example.org", "lonely topic");
        await Subscribers.ActiveAsync(service, client, "confirmed@example.org", "shared topic");
        await Forms.SubscribeAsync(client, "also-pending@example.org", "shared topic");

        service.Clock.Advance(TimeSpan.FromHours(47));
        var early = await housekeeping.RunOnceAsync();
        Assert.That(early.StaleSignups, Is.Zero);

        service.Clock.Advance(TimeSpan.FromHours(2));
        var late = await housekeeping.RunOnceAsync();

        Assert.That(late.StaleSignups, Is.EqualTo(2));
        Assert.That(late.ExpiredLinks, Is.EqualTo(2));
        Assert.That(late.UnfollowedTopics, Is.EqualTo(1), "the topic only the purged sign-up followed");
        Assert.That(await service.ScalarAsync<string>("SELECT string_agg(email, ',') FROM subscribers"), Is.EqualTo("confirmed@example.org"));
        Assert.That(await service.ScalarAsync<string>("SELECT string_agg(query, ',') FROM topics"), Is.EqualTo("shared topic"));
        Assert.That(await service.ScalarAsync<int>("SELECT count(*) FROM confirmations"), Is.Zero);
    }

    [Test]
    public async Task A_sign_up_renewed_within_48_hours_is_kept_while_its_newest_link_works()
    {
        await using var service = await TestService.StartAsync(new Dictionary<string, string?> { ["Subscriptions:AddressMailWindow"] = "00:01:00" });
        using var client = service.Client();
        var housekeeping = service.Service<Subscriptions.Housekeeping.Housekeeping>();
        await Forms.SubscribeAsync(client, "renewed@example.org");
        // The first mail has come before the second sign-up, as for a person who signs up again
        // later: otherwise both can go in one outbox batch and arrive in either order, and the
        // newest link is the one that arrived last (a CI run took the expired one).
        await Inbox.WaitForAsync(service, "renewed@example.org");
        service.Clock.Advance(TimeSpan.FromHours(40));
        await Forms.SubscribeAsync(client, "renewed@example.org");

        service.Clock.Advance(TimeSpan.FromHours(10));
        var result = await housekeeping.RunOnceAsync();

        Assert.That((result.StaleSignups, result.ExpiredLinks), Is.EqualTo((0, 1)));
        Assert.That(await Subscribers.StatusAsync(service, "renewed@example.org"), Is.EqualTo("pending"));
        using var confirmed = await Subscribers.ConfirmAsync(service, client, "renewed@example.org", mails: 2);
        Assert.That(await Subscribers.StatusAsync(service, "renewed@example.org"), Is.EqualTo("active"));
    }
}

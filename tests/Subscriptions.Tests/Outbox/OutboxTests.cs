using Dapper;
using Digest.Mailer;
using Digest.Subscriptions.Outbox;
using Digest.Subscriptions.Tests.Harness;
using Microsoft.Extensions.DependencyInjection;

namespace Digest.Subscriptions.Tests.Outbox;

/// <summary>Transactional mail through the real transport (the Mailer's pickup folder by default).</summary>
public sealed class OutboxTests : ServiceFixture
{
    [SetUp]
    public void RequireTheMailer() =>
        Assume.That(Service.Services.GetService<IMailTransport>(), Is.Not.Null, "needs the Mailer's transport (AddMailer), not merged yet");

    [Test]
    public async Task A_confirmation_is_delivered_once_and_its_content_is_erased()
    {
        await Forms.SubscribeAsync(Client, "delivered@example.org");

        var mail = (await Inbox.WaitForAsync(Service, "delivered@example.org")).Single();
        await WaitForStateAsync("sent");

        Assert.That(mail.Subject, Is.EqualTo("Confirm your Digest subscription"));
        Assert.That(mail.Headers["Auto-Submitted"], Is.EqualTo("auto-generated"));
        await using var connection = await Service.OpenAsync();
        var row = await connection.QuerySingleAsync<(string State, int Attempts, bool HasMessage, bool Finished)>(
            "SELECT state, attempts, message IS NOT NULL, finished_at IS NOT NULL FROM outbox");
        Assert.That(row, Is.EqualTo(("sent", 1, false, true)), "the token in the message lives only until it is sent");
    }

    [Test]
    public async Task Mail_for_a_subscriber_who_unsubscribed_before_it_went_out_is_cancelled()
    {
        var id = await Subscribers.ActiveAsync(Service, Client, "changed-mind@example.org");
        var notice = Service.Service<Emails.TransactionalMail>().AlreadySubscribed(MailboxAddress.Parse("changed-mind@example.org"), null, new Uri("https://x.test/manage/t"));
        await EnqueueHeldAsync(new OutboxMail("already-subscribed", id, ["active", "paused"], notice));
        using (await Client.PostAsync((await Subscribers.LinksAsync(Service, "changed-mind@example.org")).Unsubscribe, null))
        {
        }

        Service.Clock.Advance(TimeSpan.FromHours(2));
        await WaitForStateAsync("cancelled");

        Assert.That((await Inbox.ForAsync(Service, "changed-mind@example.org")).Select(m => m.Subject), Has.None.Contains("already subscribed"));
    }

    [Test]
    public async Task Several_workers_at_once_send_each_mail_exactly_once()
    {
        const int Mails = 60;
        var ids = new List<long>();
        for (var i = 0; i < Mails; i++)
        {
            await Service.ExecuteAsync("""
                INSERT INTO subscribers (email, status, frequency, delivery_hour, time_zone, created_at, updated_at)
                VALUES (@email, 'active', 'daily', 7, 'UTC', now(), now())
                """, new { email = $"many{i}@example.org" });
            ids.Add(await Subscribers.IdAsync(Service, $"many{i}@example.org"));
        }
        var mail = Service.Service<Emails.TransactionalMail>();
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
            await EnqueueHeldAsync(new OutboxMail("bulk", id, ["active"], mail.AlreadySubscribed(MailboxAddress.Parse($"many{i}@example.org"), null, new Uri("https://x.test/m"))));
        var delivery = Service.Service<OutboxDelivery>();

        Service.Clock.Advance(TimeSpan.FromHours(2));
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while ((await delivery.DeliverBatchAsync()).Claimed > 0)
            {
            }
        })));
        await WaitForStateAsync("sent", Mails, kind: "bulk");

        var delivered = new List<ReceivedMail>();
        for (var i = 0; i < Mails; i++)
            delivered.AddRange(await Inbox.ForAsync(Service, $"many{i}@example.org"));
        Assert.That(delivered, Has.Count.EqualTo(Mails));
        Assert.That(delivered.Select(m => m.Headers["Message-ID"]), Is.Unique);
        Assert.That(await Service.ScalarAsync<int>("SELECT count(*) FROM outbox WHERE kind = 'bulk' AND attempts = 1"), Is.EqualTo(Mails));
    }

    [Test]
    public async Task Mail_held_by_a_worker_that_died_is_taken_over_when_its_lease_ends()
    {
        var id = await Subscribers.ActiveAsync(Service, Client, "orphaned@example.org");
        var mail = Service.Service<Emails.TransactionalMail>().AlreadySubscribed(MailboxAddress.Parse("orphaned@example.org"), null, new Uri("https://x.test/m"));
        await EnqueueHeldAsync(new OutboxMail("orphaned", id, ["active"], mail));
        // A worker on another instance claimed it and was killed before sending.
        await Service.ExecuteAsync("UPDATE outbox SET due_at = @Until, claimed_by = gen_random_uuid(), attempts = 1 WHERE kind = 'orphaned'",
            new { Until = Service.Clock.GetUtcNow() + TimeSpan.FromMinutes(15) });

        Service.Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.That((await Service.Service<OutboxDelivery>().DeliverBatchAsync()).Claimed, Is.Zero, "the lease still holds");

        Service.Clock.Advance(TimeSpan.FromMinutes(6));
        await WaitForStateAsync("sent", kind: "orphaned");
        Assert.That(await Service.ScalarAsync<int>("SELECT attempts FROM outbox WHERE kind = 'orphaned'"), Is.EqualTo(2));
    }

    /// <summary>Queues mail that falls due in an hour, so the worker leaves it alone until the test moves the clock.</summary>
    async Task EnqueueHeldAsync(OutboxMail mail)
    {
        await using var connection = await Service.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await Service.Service<TransactionalOutbox>().EnqueueAsync(connection, transaction, mail, CancellationToken.None);
        await connection.ExecuteAsync("UPDATE outbox SET due_at = due_at + interval '1 hour' WHERE id = currval(pg_get_serial_sequence('outbox', 'id'))",
            transaction: transaction);
        await transaction.CommitAsync();
    }

    async Task WaitForStateAsync(string state, int count = 1, string? kind = null)
    {
        var reached = await TestSupport.WaitFor.ConditionAsync(async () =>
            await Service.ScalarAsync<int>("SELECT count(*) FROM outbox WHERE state = @state AND (@kind::text IS NULL OR kind = @kind)", new { state, kind }) >= count,
            TimeSpan.FromSeconds(20));
        Assert.That(reached, Is.True, $"{count} outbox row(s) {state}");
    }
}

using System.Text;
using System.Text.Json;
using Digest.TestSupport;
using Digest.Tests.Digests.Harness;
using Digest.Tests.Papers.Harness;

namespace Digest.Tests.Digests;

public sealed class DeliveryTests
{
    static readonly DateTimeOffset Monday9 = Fixtures.Utc("2025-09-08T09:00:00Z");
    static readonly DateTimeOffset SundayEvening = Fixtures.Utc("2025-09-07T20:00:00Z");

    // Python's email package (policy=default) reads the message back: the oracle for what a mail
    // program will show.
    const string ParseMessage = """
        import email, json, sys
        from email import policy
        m = email.message_from_binary_file(sys.stdin.buffer, policy=policy.default)
        text = m.get_body(preferencelist=('plain',))
        html = m.get_body(preferencelist=('html',))
        print(json.dumps({
            "subject": m["subject"], "to": m["to"], "message_id": m["message-id"],
            "list_unsubscribe": m["list-unsubscribe"], "list_unsubscribe_post": m["list-unsubscribe-post"],
            "list_id": m["list-id"], "content_type": m.get_content_type(),
            "text": text.get_content() if text else None, "html": html.get_content() if html else None,
            "defects": [str(d) for d in m.defects]}))
        """;

    [Test]
    public async Task Subscribers_receive_exactly_their_planned_papers_in_order_once_and_the_mail_parses()
    {
        using var sink = await SmtpSink.StartAsync();
        await using var host = await DigestsHost.StartAsync(Monday9, sink.Port);
        var papers = await host.AddDemoPapersAsync(SundayEvening);
        var ada = await host.SubscribeAsync("ada@example.org", ["\"preference optimization\"", "diffusion"]);
        var grace = await host.SubscribeAsync("grace@example.org", ["arithmetic"]);
        await host.SubscribeAsync("nobody@example.org", ["\"quantum chromodynamics\""]);

        await host.Planner.PlanAsync();
        var report = await host.DeliverAllAsync();

        var messages = await sink.WaitForMessagesAsync(2);
        Assert.That(report, Has.Property(nameof(report.Sent)).EqualTo(2).And.Property(nameof(report.Claimed)).EqualTo(2));
        Assert.That(messages.Select(m => m.RcptTo.Single()), Is.EquivalentTo(new[] { "<ada@example.org>", "<grace@example.org>" }));

        var adaIssue = (await host.IssuesAsync(ada)).Single();
        var adaMail = await ParseAsync(messages.Single(m => m.RcptTo.Single() == "<ada@example.org>"));
        var titles = papers.ToDictionary(p => p.Value, p => p.Key);
        Assert.Multiple(() =>
        {
            Assert.That(adaIssue.State, Is.EqualTo("sent"));
            Assert.That(adaMail.GetProperty("defects").GetArrayLength(), Is.Zero);
            Assert.That(adaMail.GetProperty("subject").GetString(), Does.StartWith("13 new papers"));
            Assert.That(adaMail.GetProperty("message_id").GetString(), Is.EqualTo($"<digest-{adaIssue.Id}-20250908@digest.example.org>"));
            Assert.That(adaMail.GetProperty("list_unsubscribe").GetString(), Does.Match("^<https://digest.example.org/unsubscribe/[A-Za-z0-9_-]{43}>$"));
            Assert.That(adaMail.GetProperty("list_unsubscribe_post").GetString(), Is.EqualTo("List-Unsubscribe=One-Click"));
            Assert.That(adaMail.GetProperty("content_type").GetString(), Is.EqualTo("multipart/alternative"));
        });
        // Every planned paper, in the planned order, in both parts.
        foreach (var part in new[] { "text", "html" })
        {
            var body = adaMail.GetProperty(part).GetString()!;
            var positions = adaIssue.PaperIds.Select(id => IndexOfTitle(body, titles[id], part == "html")).ToList();
            Assert.That(positions, Has.All.GreaterThanOrEqualTo(0), $"every title is in the {part} part");
            Assert.That(positions, Is.Ordered, $"the {part} part keeps the planned order");
        }

        // The same period again: nothing more.
        host.Clock.Advance(TimeSpan.FromHours(3));
        await host.Planner.PlanAsync();
        var again = await host.DeliverAllAsync();
        Assert.That(again.Claimed, Is.Zero);
        Assert.That(sink.Messages(), Has.Count.EqualTo(2));
        Assert.That(grace, Is.Not.EqualTo(ada));
    }

    [Test]
    public async Task An_unsubscribe_between_plan_and_delivery_cancels_the_issue()
    {
        using var sink = await SmtpSink.StartAsync();
        await using var host = await DigestsHost.StartAsync(Monday9, sink.Port);
        await host.AddDemoPapersAsync(SundayEvening);
        var ada = await host.SubscribeAsync("ada@example.org", ["diffusion"]);
        await host.Planner.PlanAsync();

        await host.ScalarAsync<int>("UPDATE subscribers SET status = 'unsubscribed' WHERE id = @ada RETURNING 1", new { ada });
        var report = await host.DeliverAllAsync();

        Assert.That(report.Cancelled, Is.EqualTo(1));
        Assert.That((await host.IssuesAsync(ada)).Single().State, Is.EqualTo("cancelled"));
        await Task.Delay(300);
        Assert.That(sink.Messages(), Is.Empty);
    }

    [Test]
    public async Task Recipients_deferred_with_4xx_are_all_delivered_by_later_retries()
    {
        using var relay = await Aiosmtpd.StartAsync(deferTimes: 2);
        await using var host = await DigestsHost.StartAsync(Monday9, relay.Port);
        await host.AddDemoPapersAsync(SundayEvening);
        for (var i = 0; i < 30; i++)
            await host.SubscribeAsync(i % 3 == 0 ? $"defer{i}@example.org" : $"reader{i}@example.org", ["diffusion"]);
        await host.Planner.PlanAsync();

        var first = await host.DeliverAllAsync();
        Assert.That((first.Sent, first.Deferred), Is.EqualTo((20, 10)));

        // Nothing is retried before its backoff is over; then twice more deferred, then delivered.
        for (var round = 0; round < 3; round++)
        {
            Assert.That((await host.DeliverAllAsync()).Claimed, Is.Zero, "not before the backoff");
            host.Clock.Advance(TimeSpan.FromHours(1));
            await host.DeliverAllAsync();
        }

        Assert.That(relay.Messages(), Has.Count.EqualTo(30));
        Assert.That(relay.Messages().SelectMany(m => m.RcptTo).Distinct().Count(), Is.EqualTo(30));
        Assert.That(await host.ScalarAsync<long>("SELECT count(*) FROM digest_issues WHERE state = 'sent'"), Is.EqualTo(30));
    }

    [Test]
    public async Task A_deferral_that_lasts_past_the_give_up_time_is_recorded_as_expired()
    {
        using var relay = await Aiosmtpd.StartAsync();
        await using var host = await DigestsHost.StartAsync(Monday9, relay.Port);
        await host.AddDemoPapersAsync(SundayEvening);
        var ada = await host.SubscribeAsync("defer-ada@example.org", ["diffusion"]);
        await host.Planner.PlanAsync();

        for (var hour = 0; hour < 30; hour++)
        {
            await host.DeliverAllAsync();
            host.Clock.Advance(TimeSpan.FromHours(1));
        }

        var issue = (await host.IssuesAsync(ada)).Single();
        Assert.That(issue.State, Is.EqualTo("expired"));
        Assert.That(issue.Attempts, Is.InRange(3, 30));
        Assert.That(relay.Messages(), Is.Empty);
    }

    [Test]
    public async Task A_5xx_is_never_retried_and_three_in_a_row_suppress_the_address()
    {
        using var relay = await Aiosmtpd.StartAsync();
        await using var host = await DigestsHost.StartAsync(Monday9, relay.Port);
        var bounce = await host.SubscribeAsync("reject-me@example.org", ["diffusion"]);
        var fine = await host.SubscribeAsync("fine@example.org", ["diffusion"]);

        for (var day = 0; day < 4; day++)
        {
            await host.AddPaperAsync($"2509.2000{day}", $"Diffusion day {day}", "diffusion", day, host.Clock.GetUtcNow().AddHours(-2));
            await host.Planner.PlanAsync();
            await host.DeliverAllAsync();
            host.Clock.Advance(TimeSpan.FromHours(6));
            Assert.That((await host.DeliverAllAsync()).Claimed, Is.Zero, "a 5xx is not retried");
            host.Clock.Advance(TimeSpan.FromHours(18));
        }

        var issues = await host.IssuesAsync(bounce);
        Assert.That(issues.Select(i => (i.State, i.Attempts)), Is.EqualTo(new[] { ("failed", 1), ("failed", 1), ("failed", 1) }), "no fourth issue once suppressed");
        Assert.That(await host.ScalarAsync<string>("SELECT status FROM subscribers WHERE id = @bounce", new { bounce }), Is.EqualTo("suppressed"));
        Assert.That(await host.ScalarAsync<string>("SELECT suppressed_reason FROM subscribers WHERE id = @bounce", new { bounce }),
            Does.StartWith("3 hard bounces in a row; the last: 550 5.1.1"), "the reason, for the operator");
        Assert.That(await host.ScalarAsync<bool>("SELECT suppressed_at IS NOT NULL FROM subscribers WHERE id = @bounce", new { bounce }), Is.True);
        Assert.That((await host.IssuesAsync(fine)).Select(i => i.State), Is.EqualTo(Enumerable.Repeat("sent", 4)));
        Assert.That(await host.ScalarAsync<string>("SELECT status || ' ' || hard_failures FROM subscribers WHERE id = @fine", new { fine }), Is.EqualTo("active 0"), "the others untouched");
    }

    [Test]
    public async Task An_unsubscribe_after_the_claim_stops_that_issue_before_its_send()
    {
        // One send at a time; the first recipient's final dot is answered after 2 s ("slow…"), and
        // the unsubscribe lands meanwhile: the second issue is claimed in the same batch, not yet sent.
        using var relay = await Aiosmtpd.StartAsync();
        await using var host = await DigestsHost.StartAsync(Monday9, relay.Port, new Dictionary<string, string?>
        {
            ["Digests:SendConcurrency"] = "1",
        });
        var first = await host.SubscribeAsync("slow-reader@example.org", ["diffusion"]);
        var leaving = await host.SubscribeAsync("leaving@example.org", ["diffusion"]);
        await host.AddPaperAsync("2509.40001", "Diffusion", "diffusion", 1, Monday9.AddHours(-2));
        await host.Planner.PlanAsync();

        var delivering = host.Delivery.DeliverDueAsync();
        await WaitFor.ConditionAsync(async () => await host.ScalarAsync<int>("SELECT count(*)::int FROM digest_issues WHERE claimed_by IS NOT NULL") == 2, TimeSpan.FromSeconds(30));
        await host.ScalarAsync<int>("UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = now() WHERE id = @leaving RETURNING 1", new { leaving });
        var report = await delivering;

        Assert.That((report.Claimed, report.Sent, report.Cancelled), Is.EqualTo((2, 1, 1)));
        Assert.That(relay.Messages().SelectMany(m => m.RcptTo), Is.EqualTo(new[] { "slow-reader@example.org" }), "no mail to the one who left");
        Assert.That((await host.IssuesAsync(leaving)).Single().State, Is.EqualTo("cancelled"));
        Assert.That((await host.IssuesAsync(first)).Single().State, Is.EqualTo("sent"));
    }

    [Test]
    public async Task A_delivery_resets_the_count_of_hard_failures()
    {
        using var relay = await Aiosmtpd.StartAsync();
        await using var host = await DigestsHost.StartAsync(Monday9, relay.Port);
        var ada = await host.SubscribeAsync("ada@example.org", ["diffusion"]);
        await host.ScalarAsync<int>("UPDATE subscribers SET hard_failures = 2 WHERE id = @ada RETURNING 1", new { ada });
        await host.AddPaperAsync("2509.30001", "Diffusion", "diffusion", 1, Monday9.AddHours(-2));

        await host.Planner.PlanAsync();
        await host.DeliverAllAsync();

        Assert.That(await host.ScalarAsync<int>("SELECT hard_failures FROM subscribers WHERE id = @ada", new { ada }), Is.Zero);
    }

    [Test]
    public async Task A_connection_lost_after_the_final_dot_is_resent_once_with_the_same_Message_ID()
    {
        // smtp-sink -q: the connection drops after the final dot, before the reply (outcome unknown).
        using var sink = await SmtpSink.StartAsync("-q", ".");
        await using var host = await DigestsHost.StartAsync(Monday9, sink.Port);
        await host.AddDemoPapersAsync(SundayEvening);
        var ada = await host.SubscribeAsync("ada@example.org", ["diffusion"]);
        await host.Planner.PlanAsync();

        var first = await host.DeliverAllAsync();
        host.Clock.Advance(TimeSpan.FromHours(1));
        var second = await host.DeliverAllAsync();
        host.Clock.Advance(TimeSpan.FromHours(1));
        var third = await host.DeliverAllAsync();

        var issue = (await host.IssuesAsync(ada)).Single();
        Assert.That((first.Unknown, second.Unknown, third.Claimed), Is.EqualTo((1, 1, 0)));
        Assert.That((issue.State, issue.Attempts), Is.EqualTo(("unknown", 2)));
    }

    [Test]
    public async Task A_relay_that_is_down_defers_and_the_backlog_drains_when_it_returns()
    {
        var port = FreePort.Next();
        // The Mailer rests a relay it could not reach for Mailer:RelayRetryAfter of real time.
        await using var host = await DigestsHost.StartAsync(Monday9, port, new Dictionary<string, string?> { ["Mailer:RelayRetryAfter"] = "00:00:00.200" });
        await host.AddDemoPapersAsync(SundayEvening);
        for (var i = 0; i < 20; i++)
            await host.SubscribeAsync($"reader{i}@example.org", ["diffusion"]);
        await host.Planner.PlanAsync();

        var whileDown = await host.DeliverAllAsync();
        using var sink = await SmtpSink.StartOnPortAsync(port);
        host.Clock.Advance(TimeSpan.FromHours(1));
        await Task.Delay(300);
        var afterwards = await host.DeliverAllAsync();

        Assert.That(whileDown.Deferred, Is.EqualTo(20));
        Assert.That(afterwards.Sent, Is.EqualTo(20));
        Assert.That((await sink.WaitForMessagesAsync(20)).Select(m => m.RcptTo.Single()).Distinct().Count(), Is.EqualTo(20));
    }

    [Test]
    public async Task A_lease_left_by_a_crashed_worker_is_taken_over_when_it_expires()
    {
        using var sink = await SmtpSink.StartAsync();
        await using var host = await DigestsHost.StartAsync(Monday9, sink.Port);
        await host.AddDemoPapersAsync(SundayEvening);
        var ada = await host.SubscribeAsync("ada@example.org", ["diffusion"]);
        await host.Planner.PlanAsync();
        // A worker claimed it and died: due_at pushed out by the lease, claimed_by set, nothing sent.
        await host.ScalarAsync<int>("UPDATE digest_issues SET due_at = @LeaseEnd, claimed_by = gen_random_uuid(), attempts = 1 RETURNING 1",
            new { LeaseEnd = Monday9.AddMinutes(10).UtcDateTime });

        Assert.That((await host.DeliverAllAsync()).Claimed, Is.Zero, "held while the lease runs");
        host.Clock.Advance(TimeSpan.FromMinutes(11));
        var report = await host.DeliverAllAsync();

        Assert.That(report.Sent, Is.EqualTo(1));
        Assert.That((await host.IssuesAsync(ada)).Single(), Has.Property(nameof(IssueRow.State)).EqualTo("sent").And.Property(nameof(IssueRow.Attempts)).EqualTo(2));
        Assert.That(await sink.WaitForMessagesAsync(1), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Transactional_mail_in_the_outbox_goes_out_before_the_digests()
    {
        using var sink = await SmtpSink.StartAsync();
        await using var host = await DigestsHost.StartAsync(Monday9, sink.Port);
        await host.AddDemoPapersAsync(SundayEvening);
        await host.SubscribeAsync("ada@example.org", ["diffusion"]);
        await host.Planner.PlanAsync();
        await host.ScalarAsync<int>("""
            INSERT INTO outbox (kind, send_if_status, message, due_at, created_at)
            VALUES ('confirmation', '{pending}', @Message::jsonb, @Now, @Now) RETURNING 1
            """, new { Message = OutboxMessage("grace@example.org"), Now = Monday9.UtcDateTime });

        await host.DeliverAllAsync();

        var messages = await sink.WaitForMessagesAsync(2);
        Assert.That(messages.Select(m => m.RcptTo.Single()), Is.EqualTo(new[] { "<grace@example.org>", "<ada@example.org>" }));
    }

    static string OutboxMessage(string to) => JsonSerializer.Serialize(new
    {
        from = new { address = "digest@digest.example.org", name = "Digest" },
        to = new[] { new { address = to, name = (string?)null } },
        subject = "Please confirm",
        textBody = "Confirm here.",
        messageId = $"{Guid.NewGuid():N}@digest.example.org",
        headers = Array.Empty<object>(),
    });

    static int IndexOfTitle(string body, string title, bool html)
    {
        var needle = html ? System.Net.WebUtility.HtmlEncode(title) : title;
        var at = body.IndexOf(needle, StringComparison.Ordinal);
        // The text part may wrap a long title: compare without line breaks then.
        return at >= 0 ? at : string.Join(' ', body.Split((char[])['\n', ' '], StringSplitOptions.RemoveEmptyEntries)).IndexOf(needle, StringComparison.Ordinal);
    }

    static async Task<JsonElement> ParseAsync(SunkMessage message)
    {
        var (exit, stdout, stderr) = await Python.RunAsync(ParseMessage, message.Message.Replace("\n", "\r\n", StringComparison.Ordinal));
        Assert.That(exit, Is.Zero, stderr);
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }
}

using Dapper;
using Digest.Bounces;
using Digest.Subscriptions.Links;
using Digest.TestSupport;
using Digest.Tests.Digests.Harness;
using Digest.Tests.Papers.Harness;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using Microsoft.Extensions.DependencyInjection;

namespace Digest.Tests.Bounces;

/// <summary>The bounce mailbox read from a real Dovecot over IMAP, acting on a real database.</summary>
[NonParallelizable]
public sealed class BounceMailboxTests
{
    static readonly DateTimeOffset Now = Fixtures.Utc("2025-09-08T12:00:00Z");

    Dovecot _dovecot = null!;

    [SetUp]
    public async Task StartDovecot() => _dovecot = await Dovecot.StartAsync();

    [TearDown]
    public void StopDovecot() => _dovecot.Dispose();

    Task<DigestsHost> StartHostAsync(int suppressAfter = 1, DateTimeOffset? now = null)
    {
        var settings = MailboxSettings(":");
        settings["Digests:SuppressAfterHardFailures"] = suppressAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return DigestsHost.StartAsync(now ?? Now, settings: settings);
    }

    /// <summary>The bounce settings for this Dovecot, as configuration keys (":") or environment variables ("__").</summary>
    Dictionary<string, string?> MailboxSettings(string separator, string password = Dovecot.Password)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Mailer:Bounces:Address"] = "bounces@digest.example.org",
            ["Mailer:Bounces:Mailbox:Host"] = Dovecot.Host,
            ["Mailer:Bounces:Mailbox:Port"] = _dovecot.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Mailer:Bounces:Mailbox:Tls"] = "None",
            ["Mailer:Bounces:Mailbox:User"] = Dovecot.User,
            ["Mailer:Bounces:Mailbox:Password"] = password,
        };
        return settings.ToDictionary(s => s.Key.Replace(":", separator, StringComparison.Ordinal), s => s.Value);
    }

    [Test]
    public async Task Every_kind_of_report_acts_as_specified_the_malformed_change_nothing_and_a_second_pass_changes_nothing()
    {
        await using var host = await StartHostAsync();
        var returnPaths = host.Services.GetRequiredService<ReturnPaths>();
        var postfix = await MailedAsync(host, "postfix-unknown@example.org");
        var gmail = await MailedAsync(host, "gone@gmail.example");
        var outlook = await MailedAsync(host, "left@outlook.example");
        var yahoo = await MailedAsync(host, "soft@yahoo.example");
        var delayed = await MailedAsync(host, "slow@example.org");
        var complainer = await MailedAsync(host, "complainer@example.org");
        var away = await MailedAsync(host, "away@example.org");
        var forgedVictim = await MailedAsync(host, "forged-victim@example.org");
        var staleVictim = await MailedAsync(host, "stale-victim@example.org");
        var leftSince = await MailedAsync(host, "left-since@example.org", status: "unsubscribed");
        var qmail = await MailedAsync(host, "qmail-user@example.com");
        var byMessageId = await MailedAsync(host, "no-token@example.org");
        var bystander = await MailedAsync(host, "bystander@example.org");

        // A stale token: genuine, but written long before the report came (beyond TokenLifetime).
        host.Clock.Set(Now - TimeSpan.FromDays(90));
        var stale = (await returnPaths.ForIssueAsync(staleVictim.IssueId, staleVictim.Id))!.Address;
        host.Clock.Set(Now);
        // A forged token: the shape of a real one, the victim's ids, a MAC that does not hold.
        var forged = Forge(forgedVictim.ReturnPath);

        var firstPostfix = Reports.Postfix(postfix.ReturnPath, postfix.Email, postfix.MessageId, "postfix-1@mail.example.org");
        _dovecot.Deliver(firstPostfix);
        _dovecot.Deliver(firstPostfix); // the same report twice
        _dovecot.Deliver(Reports.Gmail(gmail.ReturnPath, gmail.Email, gmail.MessageId, "gmail-1@googlemail.com"));
        _dovecot.Deliver(Reports.Outlook(outlook.ReturnPath, outlook.Email, outlook.MessageId, "outlook-1@outlook.com"));
        _dovecot.Deliver(Reports.Yahoo(yahoo.ReturnPath, yahoo.Email, yahoo.MessageId, "yahoo-1@yahoo.com"));
        _dovecot.Deliver(Reports.Delayed(delayed.ReturnPath, delayed.Email, "delayed-1@mail.example.org"));
        _dovecot.Deliver(Reports.Complaint(complainer.ReturnPath, complainer.Email, complainer.MessageId, "arf-1@mail.example.net"));
        _dovecot.Deliver(Reports.Vacation(away.ReturnPath, away.Email, "vacation-1@example.org"));
        _dovecot.Deliver(Reports.Postfix(forged, forgedVictim.Email, forgedVictim.MessageId, "forged-1@mail.example.org"));
        _dovecot.Deliver(Reports.Postfix(stale, staleVictim.Email, staleVictim.MessageId, "stale-1@mail.example.org"));
        _dovecot.Deliver(Reports.Postfix(leftSince.ReturnPath, leftSince.Email, leftSince.MessageId, "left-1@mail.example.org"));
        _dovecot.Deliver(Reports.Qmail(qmail.ReturnPath, qmail.Email, "qmail-1@mail.example.com"));
        // No return path of ours (a relay that rewrote it): found by the quoted Message-ID and recipient.
        _dovecot.Deliver(Reports.Postfix("someone-else@relay.example", byMessageId.Email, byMessageId.MessageId, "by-id-1@mail.example.org"));
        // A guessed Message-ID with the wrong recipient maps to nothing.
        _dovecot.Deliver(Reports.Postfix("someone-else@relay.example", "attacker@example.net", bystander.MessageId, "guess-1@mail.example.org"));
        const int Malformed = 1_000;
        foreach (var message in Reports.Malformed(Malformed, Forge(bystander.ReturnPath)))
            _dovecot.Deliver(message);

        var pass = await host.Services.GetRequiredService<BounceMailbox>().ReadAsync();

        Assert.Multiple(() =>
        {
            Assert.That(pass.Fetched, Is.EqualTo(14 + Malformed));
            Assert.That(pass.Duplicates, Is.EqualTo(1), "the second copy of the Postfix report");
            Assert.That(pass.HardBounces, Is.EqualTo(6), "Postfix, Gmail, Outlook, qmail, by Message-ID, and the unsubscribed address's");
            Assert.That(pass.SoftBounces, Is.EqualTo(1), "Yahoo's 5.0.0");
            Assert.That(pass.Delayed, Is.EqualTo(1));
            Assert.That(pass.Complaints, Is.EqualTo(1));
            Assert.That(pass.AutoReplies, Is.EqualTo(1));
            Assert.That(pass.Suppressed, Is.EqualTo(5));
            Assert.That(pass.Unsubscribed, Is.EqualTo(1));
            Assert.That(pass.UnknownTokens, Is.GreaterThanOrEqualTo(2), "the forged and the stale token (and malformed reports that kept a forged one)");
            Assert.That(pass.Unparsed, Is.GreaterThan(Malformed / 2));
        });

        foreach (var hard in new[] { postfix, gmail, outlook, qmail, byMessageId })
        {
            var row = await SubscriberAsync(host, hard.Id);
            Assert.That(row.Status, Is.EqualTo("suppressed"), hard.Email);
            Assert.That(row.SuppressedReason, Does.StartWith("hard bounce 5.1.").And.Contain("(DSN)"), hard.Email);
            Assert.That(row.SuppressedAt, Is.EqualTo(Now.UtcDateTime), hard.Email);
        }
        foreach (var untouched in new[] { yahoo, delayed, away, forgedVictim, staleVictim, bystander })
        {
            var row = await SubscriberAsync(host, untouched.Id);
            Assert.That((row.Status, row.HardFailures, row.SuppressedAt), Is.EqualTo(("active", 0, (DateTime?)null)), untouched.Email);
        }
        var left = await SubscriberAsync(host, leftSince.Id);
        Assert.That((left.Status, left.SuppressedAt), Is.EqualTo(("unsubscribed", (DateTime?)null)), "an unsubscribed address stays as it chose");
        var complained = await SubscriberAsync(host, complainer.Id);
        Assert.That((complained.Status, complained.UnsubscribedAt), Is.EqualTo(("unsubscribed", (DateTime?)Now.UtcDateTime)));
        Assert.That(await host.ScalarAsync<string>("SELECT detail FROM bounce_reports WHERE outcome = 'complaint' AND subscriber_id = @Id", new { complainer.Id }),
            Does.Contain("spam complaint"));
        Assert.That(await OutcomeAsync(host, "forged-1@mail.example.org"), Is.EqualTo("unknown-token"));
        Assert.That(await OutcomeAsync(host, "stale-1@mail.example.org"), Is.EqualTo("unknown-token"));
        Assert.That(await OutcomeAsync(host, "guess-1@mail.example.org"), Is.EqualTo("unmatched"));

        // Unparsed mail stays in the mailbox, flagged so the next pass skips it; the rest is flagged handled.
        var flags = await FlagsAsync();
        Assert.That(flags.Total, Is.EqualTo(14 + Malformed), "nothing is deleted");
        Assert.That(flags.Unparsed, Is.EqualTo(pass.Unparsed));
        Assert.That(flags.Handled, Is.EqualTo(flags.Total - pass.Unparsed));

        var before = await SnapshotAsync(host);
        var second = await host.Services.GetRequiredService<BounceMailbox>().ReadAsync();
        Assert.That(second.Fetched, Is.Zero);
        Assert.That(await SnapshotAsync(host), Is.EqualTo(before));
    }

    [Test]
    public async Task A_real_Postfix_bounce_to_an_unknown_local_user_suppresses_the_subscriber()
    {
        Assume.That(LocalPostfix.CanRun, "a throwaway Postfix needs root");
        using var postfix = await LocalPostfix.StartAsync();
        await using var host = await StartHostAsync();
        var nobody = await MailedAsync(host, $"nosuchuser@{LocalPostfix.LocalDomain}");

        var dsn = await postfix.BounceAsync(nobody.ReturnPath, "nosuchuser", $"""
            From: Digest <digest@digest.example.org>
            To: {nobody.Email}
            Subject: 13 new papers for you
            Message-ID: <{nobody.MessageId}>

            The papers.
            """);
        _dovecot.Deliver(dsn);
        var pass = await host.Services.GetRequiredService<BounceMailbox>().ReadAsync();

        Assert.That(dsn, Does.Contain("X-Postfix-Queue-ID").And.Contain("Status: 5.1.1"), "written by Postfix's bounce daemon");
        Assert.That((pass.Fetched, pass.HardBounces, pass.Suppressed), Is.EqualTo((1, 1, 1)));
        var row = await SubscriberAsync(host, nobody.Id);
        Assert.That(row.Status, Is.EqualTo("suppressed"));
        Assert.That(row.SuppressedReason, Does.StartWith("hard bounce 5.1.1 (DSN): X-Postfix; unknown user"));
    }

    [Test]
    public async Task A_report_already_recorded_but_not_yet_flagged_changes_nothing_the_second_time()
    {
        // The crash this guards against: recorded, then the connection died before the flag.
        await using var host = await StartHostAsync(suppressAfter: 3);
        var ada = await MailedAsync(host, "ada@example.org");
        var report = Reports.Postfix(ada.ReturnPath, ada.Email, ada.MessageId, "once@mail.example.org");
        _dovecot.Deliver(report);
        await host.Services.GetRequiredService<BounceMailbox>().ReadAsync();
        await ClearFlagsAsync();

        var again = await host.Services.GetRequiredService<BounceMailbox>().ReadAsync();

        Assert.That((again.Fetched, again.Duplicates, again.HardBounces), Is.EqualTo((1, 1, 0)));
        var row = await SubscriberAsync(host, ada.Id);
        Assert.That((row.Status, row.HardFailures), Is.EqualTo(("active", 1)), "one hard bounce of three, counted once");
    }

    [Test]
    public async Task An_unreachable_mailbox_is_reported_as_such_and_the_handled_reports_stay_recorded()
    {
        await using var host = await StartHostAsync();
        _dovecot.Dispose(); // nothing listens on its port any more

        var error = Assert.ThrowsAsync<MailboxUnreachableException>(() => host.Services.GetRequiredService<BounceMailbox>().ReadAsync());

        Assert.That(error!.Message, Does.Contain("could not be opened").And.Contain(_dovecot.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Test]
    public async Task A_digest_goes_out_with_a_return_path_that_names_its_issue_and_subscriber()
    {
        using var sink = await SmtpSink.StartAsync();
        await using var host = await DigestsHost.StartAsync(Fixtures.Utc("2025-09-08T09:00:00Z"), sink.Port, new Dictionary<string, string?>
        {
            ["Mailer:Bounces:Address"] = "bounces@digest.example.org",
        });
        await host.AddDemoPapersAsync(Fixtures.Utc("2025-09-07T20:00:00Z"));
        var ada = await host.SubscribeAsync("ada@example.org", ["diffusion"]);
        await host.Planner.PlanAsync();
        await host.DeliverAllAsync();

        var mail = (await sink.WaitForMessagesAsync(1)).Single();
        var returnPath = mail.MailFrom.Trim('<', '>');
        var match = await host.Services.GetRequiredService<ReturnPaths>().ReadAsync(returnPath);

        Assert.That(returnPath, Does.Match("^bounces\\+[a-z2-7]+@digest\\.example\\.org$"));
        Assert.That(match.Verdict, Is.EqualTo(ReturnPathVerdict.Genuine));
        Assert.That(match.Token, Is.EqualTo(new BounceToken(BouncedMail.DigestIssue, ada, (await host.IssuesAsync(ada)).Single().Id, new DateOnly(2025, 9, 8))));
        Assert.That(mail.Message, Does.Contain("From: Digest <digest@digest.example.org>"), "From is unchanged");
    }

    [Test]
    public async Task The_bounces_verb_reads_the_mailbox_once_and_says_what_it_did_and_stats_counts_it()
    {
        string connectionString;
        Mailed ada;
        // The verb runs on the real clock: the mail's token must be from today, or it is stale.
        await using (var host = await StartHostAsync(now: DateTimeOffset.UtcNow))
        {
            ada = await MailedAsync(host, "ada@example.org");
            connectionString = host.ConnectionString;
        }
        _dovecot.Deliver(Reports.Postfix(ada.ReturnPath, ada.Email, ada.MessageId, "verb-1@mail.example.org"));
        _dovecot.Deliver(Reports.Vacation(ada.ReturnPath, ada.Email, "verb-2@example.org"));
        var environment = MailboxSettings("__");
        environment["ConnectionStrings__Postgres"] = connectionString;
        environment["Digest__PublicUrl"] = "https://digest.example.org/";
        environment["Digest__From"] = "Digest <digest@digest.example.org>";
        environment["Papers__Demo"] = "Never";
        environment["Digests__SuppressAfterHardFailures"] = "1";

        var (exitCode, output) = await DigestProcess.RunAsync(["bounces"], environment);

        Assert.That(exitCode, Is.Zero, output);
        Assert.That(output, Does.Match(@"fetched\s*│\s*2\b"));
        Assert.That(output, Does.Match(@"bounces\s*│\s*1\b"));
        Assert.That(output, Does.Match(@"auto-replies ignored\s*│\s*1\b"));
        Assert.That(output, Does.Match(@"addresses suppressed\s*│\s*1\b"));
        var (statsExit, stats) = await DigestProcess.RunAsync(["stats"], environment);
        Assert.That(statsExit, Is.Zero, stats);
        Assert.That(stats, Does.Match(@"bounce reports read\s*│\s*1\b"));
        var (againExit, again) = await DigestProcess.RunAsync(["bounces"], environment);
        Assert.That(againExit, Is.Zero, again);
        Assert.That(again, Does.Match(@"fetched\s*│\s*0\b"));
    }

    [TestCase("", "digest bounces: no bounce mailbox is configured")]
    [TestCase("wrong-password", "could not be opened")]
    public async Task The_bounces_verb_without_a_usable_mailbox_says_why_and_exits_non_zero(string password, string expected)
    {
        var environment = password.Length > 0 ? MailboxSettings("__", password) : [];
        environment["ConnectionStrings__Postgres"] = await TestPostgres.CreateDatabaseAsync();
        environment["Digest__PublicUrl"] = "https://digest.example.org/";
        environment["Papers__Demo"] = "Never";

        var (exitCode, output) = await DigestProcess.RunAsync(["bounces"], environment);

        Assert.That(exitCode, Is.EqualTo(1), output);
        Assert.That(output, Does.Contain(expected));
        Assert.That(output, Does.Not.Contain("   at "), "one line, no stack trace");
    }

    sealed record Mailed(long Id, string Email, long IssueId, string MessageId, string ReturnPath);

    /// <summary>A subscriber and a sent digest issue to them, with the return path and Message-ID that mail carried.</summary>
    static async Task<Mailed> MailedAsync(DigestsHost host, string email, string status = "active")
    {
        var id = await host.SubscribeAsync(email, ["diffusion"], status: status);
        var issueId = await host.ScalarAsync<long>("""
            INSERT INTO digest_issues (subscriber_id, period, window_start, window_end, papers, state, due_at, planned_at, finished_at)
            VALUES (@id, '2025-09-08', now() - interval '1 day', now(), '[{"id": "2509.00001", "topics": ["diffusion"]}]', 'sent', now(), now(), now())
            RETURNING id
            """, new { id });
        var returnPath = (await host.Services.GetRequiredService<ReturnPaths>().ForIssueAsync(issueId, id))!.Address;
        return new Mailed(id, email, issueId, Digest.Digests.DigestDelivery.MessageId(issueId, new DateOnly(2025, 9, 8), "digest.example.org"), returnPath);
    }

    /// <summary>The same return path with its token's last character changed: the MAC no longer holds.</summary>
    static string Forge(string returnPath)
    {
        var at = returnPath.IndexOf('@', StringComparison.Ordinal);
        var last = returnPath[at - 1];
        return returnPath[..(at - 1)] + (last == 'a' ? 'b' : 'a') + returnPath[at..];
    }

    sealed record SubscriberRow(string Status, int HardFailures, DateTime? SuppressedAt, string? SuppressedReason, DateTime? UnsubscribedAt);

    static async Task<SubscriberRow> SubscriberAsync(DigestsHost host, long id)
    {
        await using var connection = await host.DataSource.OpenConnectionAsync();
        return await connection.QuerySingleAsync<SubscriberRow>(
            "SELECT status AS Status, hard_failures AS HardFailures, suppressed_at AS SuppressedAt, suppressed_reason AS SuppressedReason, unsubscribed_at AS UnsubscribedAt FROM subscribers WHERE id = @id",
            new { id });
    }

    static Task<string> OutcomeAsync(DigestsHost host, string reportMessageId) =>
        host.ScalarAsync<string>("SELECT outcome FROM bounce_reports WHERE report_key = @key", new { key = "id:" + reportMessageId });

    static async Task<string> SnapshotAsync(DigestsHost host)
    {
        await using var connection = await host.DataSource.OpenConnectionAsync();
        var subscribers = await connection.QueryAsync<string>(
            "SELECT concat_ws('|', id, status, hard_failures, suppressed_at, suppressed_reason, unsubscribed_at, updated_at) FROM subscribers ORDER BY id");
        var reports = await connection.QueryAsync<string>(
            "SELECT concat_ws('|', report_key, outcome, subscriber_id, issue_id, status, received_at) FROM bounce_reports ORDER BY report_key");
        return string.Join("\n", subscribers.Concat(reports));
    }

    async Task<(int Total, int Handled, int Unparsed)> FlagsAsync()
    {
        using var client = await ConnectAsync();
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly);
        var handled = await inbox.SearchAsync(SearchQuery.HasKeyword(BounceMailbox.Handled));
        var unparsed = await inbox.SearchAsync(SearchQuery.HasKeyword(BounceMailbox.Unreadable));
        return (inbox.Count, handled.Count, unparsed.Count);
    }

    async Task ClearFlagsAsync()
    {
        using var client = await ConnectAsync();
        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
        var all = await client.Inbox.SearchAsync(SearchQuery.All);
        await client.Inbox.StoreAsync(all, new StoreFlagsRequest(StoreAction.Remove, new HashSet<string>([BounceMailbox.Handled, BounceMailbox.Unreadable])) { Silent = true });
    }

    async Task<ImapClient> ConnectAsync()
    {
        var client = new ImapClient();
        await client.ConnectAsync(Dovecot.Host, _dovecot.Port, MailKit.Security.SecureSocketOptions.None);
        await client.AuthenticateAsync(Dovecot.User, Dovecot.Password);
        return client;
    }
}

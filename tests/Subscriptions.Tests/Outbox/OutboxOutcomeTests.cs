using Dapper;
using Digest.Mailer;
using Digest.Subscriptions.Outbox;
using Digest.Subscriptions.Tests.Harness;
using Digest.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Digest.Subscriptions.Tests.Outbox;

/// <summary>What the outbox does with each delivery outcome, against Postfix's smtp-sink answering with faults.</summary>
public sealed class OutboxOutcomeTests
{
    [Test]
    public async Task A_5xx_is_recorded_as_failed_and_never_retried()
    {
        await using var run = await RunAsync("-f", "rcpt");

        var row = await run.WaitForFinalAsync();
        run.Service.Clock.Advance(TimeSpan.FromDays(1));

        Assert.That((row.State, row.Attempts, row.LastOutcome, row.HasMessage), Is.EqualTo(("failed", 1, "Failed", false)));
        Assert.That((await run.Service.Service<OutboxDelivery>().DeliverBatchAsync()).Claimed, Is.Zero, "a failed mail is never claimed again");
    }

    [Test]
    public async Task A_4xx_is_retried_later_with_backoff_and_given_up_once_too_old()
    {
        await using var run = await RunAsync("-r", "rcpt");

        var first = await run.WaitForAsync(r => r.Attempts == 1 && r.LastOutcome == "Deferred");
        var delay = first.DueAt - run.Service.Clock.GetUtcNow().UtcDateTime;
        Assert.That(first.State, Is.EqualTo("queued"));
        Assert.That(first.HasMessage, Is.True, "kept for the retry");
        Assert.That(delay, Is.InRange(TimeSpan.FromSeconds(29), TimeSpan.FromSeconds(61)), "half to all of the first retry delay (1 min)");

        run.Service.Clock.Advance(TimeSpan.FromMinutes(2));
        var last = await run.WaitForFinalAsync();

        Assert.That((last.State, last.Attempts, last.HasMessage), Is.EqualTo(("expired", 2, false)));
        Assert.That(last.Detail, Does.StartWith("gave up after 2 attempts over 00:01:30"));
    }

    [Test]
    public async Task A_connection_lost_after_the_final_dot_is_resent_once_then_recorded_as_unknown()
    {
        await using var run = await RunAsync("-q", ".");

        var first = await run.WaitForAsync(r => r.Attempts == 1 && r.LastOutcome == "Unknown");
        Assert.That((first.State, first.HasMessage), Is.EqualTo(("queued", true)), "maybe delivered, maybe not: once more, with the same Message-ID");
        run.Service.Clock.Advance(TimeSpan.FromMinutes(2));
        var row = await run.WaitForFinalAsync();
        run.Service.Clock.Advance(TimeSpan.FromDays(1));

        Assert.That((row.State, row.Attempts, row.LastOutcome, row.HasMessage), Is.EqualTo(("unknown", 2, "Unknown", false)));
        Assert.That((await run.Service.Service<OutboxDelivery>().DeliverBatchAsync()).Claimed, Is.Zero);
    }

    /// <summary>A service whose relay is an smtp-sink with the given fault, and one confirmation on its way.</summary>
    static async Task<Run> RunAsync(params string[] fault)
    {
        var sink = await SmtpSink.StartAsync(fault);
        var service = await TestService.StartAsync(new Dictionary<string, string?>
        {
            ["Mailer:Relays:0:Host"] = SmtpSink.Host,
            ["Mailer:Relays:0:Port"] = sink.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Mailer:Relays:0:Tls"] = "None",
            // The second attempt (after 1–2 minutes) would be followed by one past this: given up.
            ["Outbox:GiveUpAfter"] = "00:01:30",
        });
        var run = new Run(service, sink);
        if (service.Services.GetService<IMailTransport>() is null)
        {
            await run.DisposeAsync();
            Assert.Ignore("needs the Mailer's transport (AddMailer), not merged yet");
        }
        using var client = service.Client();
        await Forms.SubscribeAsync(client, "outcome@example.org");
        return run;
    }

    sealed record Run(TestService Service, SmtpSink Sink) : IAsyncDisposable
    {
        public Task<Row> WaitForFinalAsync() => WaitForAsync(r => r.State != "queued");

        public async Task<Row> WaitForAsync(Func<Row, bool> condition)
        {
            Row? row = null;
            await WaitFor.ConditionAsync(async () =>
            {
                await using var connection = await Service.OpenAsync();
                row = await connection.QuerySingleOrDefaultAsync<Row>("""
                    SELECT state AS State, attempts AS Attempts, last_outcome AS LastOutcome, message IS NOT NULL AS HasMessage,
                           due_at AS DueAt, detail AS Detail
                    FROM outbox
                    """);
                return row is not null && condition(row);
            }, TimeSpan.FromSeconds(30));
            return row is not null && condition(row) ? row : throw new TimeoutException($"outbox row: {row}");
        }

        public async ValueTask DisposeAsync()
        {
            await Service.DisposeAsync();
            Sink.Dispose();
        }
    }

    sealed class Row
    {
        public string State { get; init; } = "";
        public int Attempts { get; init; }
        public string? LastOutcome { get; init; }
        public bool HasMessage { get; init; }
        public DateTime DueAt { get; init; }
        public string? Detail { get; init; }

        public override string ToString() => $"{State}, {Attempts} attempt(s), {LastOutcome}: {Detail}";
    }
}

using Digest.Subscriptions.Delivery;
using System.CommandLine;
using Dapper;
using Digest.Cli;
using Npgsql;
using Spectre.Console;

namespace Digest.Digests;

/// <summary>
/// <c>digest send</c>: the daily run, now — plan what is due, then deliver every issue that is due
/// (retries scheduled for later stay scheduled) with the service's delivery loops, with a progress
/// bar and a summary.
/// </summary>
internal static class SendVerb
{
    public static Command Create()
    {
        var command = new Command("send", "Plan what is due and deliver every due digest issue now, with progress and a summary.");
        command.SetAction((_, _) => VerbHost.RunAsync(RunAsync));
        return command;
    }

    static async Task<int> RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        Terminal.PlainWhenRedirected();
        var plan = await services.GetRequiredService<DigestPlanner>().PlanAsync(cancellationToken: cancellationToken);
        Console.WriteLine(PlanVerb.Describe(plan));

        var delivery = services.GetRequiredService<DigestDelivery>();
        var workers = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DigestsOptions>>().Value.Workers;
        var started = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var metrics = services.GetRequiredService<Metrics.DigestMetrics>();
        var due = await DueCountAsync(services.GetRequiredService<NpgsqlDataSource>(), cancellationToken);
        var total = DeliveryReport.Nothing;
        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask($"Delivering {due:N0} issue(s)", maxValue: Math.Max(due, 1));
                var gate = new Lock();
                async Task LoopAsync()
                {
                    // A stop (Ctrl-C, SIGTERM) starts no new send; what is under way finishes and is recorded.
                    while (!cancellationToken.IsCancellationRequested)
                    {
                        // What was due when the run began: the retries it schedules itself (a deferral, mail held
                        // for a relay that refuses the sender) are for a later run, or the run would never end.
                        var batch = await metrics.DeliverAsync(() => delivery.DeliverDueAsync(started, cancellationToken));
                        if (batch.Claimed == 0)
                            return;
                        lock (gate)
                        {
                            total += batch;
                            task.Value = Math.Min(total.Claimed, task.MaxValue);
                        }
                    }
                }
                // As many loops as the service runs (Digests:Workers, at least one): SendConcurrency is a
                // loop's share of the relays' connections, so one loop alone would leave most of them idle.
                await Task.WhenAll(Enumerable.Range(0, Math.Max(1, workers)).Select(_ => LoopAsync()));
                task.Value = task.MaxValue;
            });

        var table = new Table().AddColumn("sent").AddColumn("deferred (retried later)").AddColumn("failed").AddColumn("unknown").AddColumn("cancelled").AddColumn("suppressed").AddColumn("held (relay refuses the sender)");
        table.AddRow($"{total.Sent:N0}", $"{total.Deferred:N0}", $"{total.Failed:N0}", $"{total.Unknown:N0}", $"{total.Cancelled:N0}", $"{total.Suppressed:N0}", $"{total.Held:N0}");
        AnsiConsole.Write(table);
        if (total.Held > 0)
            Console.Error.WriteLine($"digest: {total.Held:N0} issue(s) held because a relay refuses the sender or its setup; nobody was suppressed for it. See the log, fix the relay settings or Site:From, and they go out on their next attempt.");
        if (cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine($"digest: stopped; every send under way was recorded, {total.Released:N0} claimed issue(s) released for the next run");
            return VerbHost.StoppedExitCode;
        }
        return 0;
    }

    static async Task<int> DueCountAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT count(*)::int FROM digest_issues WHERE state = 'queued' AND due_at <= now()", cancellationToken: cancellationToken));
    }
}

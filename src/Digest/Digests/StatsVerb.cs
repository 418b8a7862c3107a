using System.CommandLine;
using System.Globalization;
using Digest.Cli;
using Spectre.Console;

namespace Digest.Digests;

/// <summary><c>digest stats [--day YYYY-MM-DD]</c>: the issues planned that day (UTC) by what became of them.</summary>
internal static class StatsVerb
{
    public static Command Create()
    {
        var day = DateOption.Create("--day", "The UTC day. Default: today.");
        var command = new Command("stats", "Print a day's digest figures: planned, sent, deferred, failed, unknown, suppressed; bounces, complaints, unparsed reports.") { day };
        command.SetAction((parse, _) => VerbHost.RunAsync(async (services, ct) =>
        {
            Terminal.PlainWhenRedirected();
            var date = parse.GetValue(day) ?? DateOnly.FromDateTime(services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime);
            var stats = await services.GetRequiredService<DigestStats>().ForDayAsync(date, ct);
            var table = new Table().Title($"Digests planned on {date:yyyy-MM-dd} (UTC)").AddColumn("").AddColumn(new TableColumn("issues").RightAligned());
            foreach (var (name, value) in new (string, int)[]
            {
                ("planned", stats.Planned), ("sent", stats.Sent), ("waiting", stats.Waiting), ("deferred", stats.Deferred),
                ("held: a relay refuses the sender", stats.Held),
                ("failed", stats.Failed), ("unknown", stats.Unknown), ("cancelled", stats.Cancelled),
                ("nothing new (no mail)", stats.Empty), ("addresses suppressed", stats.Suppressed),
                ("bounce reports read", stats.Bounces), ("complaints", stats.Complaints), ("unparsed reports", stats.Unparsed),
            })
                table.AddRow(name, value.ToString("N0", CultureInfo.InvariantCulture));
            AnsiConsole.Write(table);
            if (stats.HeldBecause is { } because)
                Console.WriteLine($"Mail is held, and nobody is suppressed for it. Fix the relay or the sender (Site:From), and it goes out on its next attempt. Last refusal: {because}");
            return 0;
        }));
        return command;
    }
}

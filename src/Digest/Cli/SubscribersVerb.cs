using System.CommandLine;
using System.Globalization;
using Digest.Subscriptions.Import;

namespace Digest.Cli;

/// <summary>
/// <c>digest subscribers import FILE [--confirmed] [--topics "a;b"]</c> and
/// <c>digest subscribers export [--email ADDRESS] [--out FILE]</c>: bringing a list over from
/// another tool, and giving one back (or one person's data, for a GDPR request).
/// </summary>
internal static class SubscribersVerb
{
    public static Command Create() => new("subscribers", "Import subscribers from a file, or export them as CSV.")
    {
        Import(),
        Export(),
    };

    static Command Import()
    {
        var file = new Argument<FileInfo>("file")
        {
            Description = "CSV with a header row (email,topics,frequency,hour,zone[,weekday][,status]; topics separated by ;), " +
                "JSON lines with the same fields, or listmonk's subscriber export.",
        };
        file.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<FileInfo>() is { Exists: false } missing)
                result.AddError($"the file '{missing}' does not exist.");
        });
        var confirmed = new Option<bool>("--confirmed")
        {
            Description = "You attest that these people already agreed to get the digest: they are active at once, with no confirmation mail. " +
                "Without it each new address gets a confirmation mail (paced: Subscriptions:ImportConfirmationsPerMinute).",
        };
        var topics = new Option<string?>("--topics") { Description = "Topics for rows that have none (a listmonk export has none), separated by ;." };
        var command = new Command("import", "Add or update subscribers from a file; each bad row is reported as 'line N: …' and not written.") { file, confirmed, topics };
        command.SetAction((parse, _) => VerbHost.RunAsync(async (services, ct) =>
        {
            using var reader = new StreamReader(parse.GetValue(file)!.FullName);
            var report = await services.GetRequiredService<SubscriberImport>().RunAsync(
                reader, new ImportRequest(parse.GetValue(confirmed), parse.GetValue(topics)), ct);
            foreach (var problem in report.Problems)
                await Console.Error.WriteLineAsync(problem);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Imported {report.Added + report.Updated} subscriber(s): {report.Added} new, {report.Updated} updated; " +
                $"{report.ConfirmationsQueued} confirmation mail(s) queued; {report.Problems.Count} line(s) not imported."));
            return report.Problems.Count == 0 ? 0 : 1;
        }));
        return command;
    }

    static Command Export()
    {
        var email = new Option<string?>("--email") { Description = "Only this address, whatever its status (one person's data)." };
        var output = new Option<FileInfo?>("--out", "-o") { Description = "The file to write. Default: standard output." };
        var command = new Command("export", "Write subscribers (active, paused, pending) as the CSV import reads.") { email, output };
        command.SetAction((parse, _) => VerbHost.RunAsync(async (services, ct) =>
        {
            var export = services.GetRequiredService<SubscriberExport>();
            var address = parse.GetValue(email);
            int count;
            if (parse.GetValue(output) is { } file)
            {
                await using (var writer = new StreamWriter(file.FullName))
                    count = await export.WriteAsync(writer, address, ct);
                Console.Error.WriteLine($"Wrote {count} subscriber(s) to {file.FullName}.");
            }
            else
            {
                var writer = Console.Out;
                count = await export.WriteAsync(writer, address, ct);
                await writer.FlushAsync(ct);
            }
            if (address is not null && count == 0)
            {
                await Console.Error.WriteLineAsync($"digest subscribers export: no subscriber has the address '{address}'.");
                return 1;
            }
            return 0;
        }));
        return command;
    }
}

using System.CommandLine;
using System.Globalization;
using Digest.Subscriptions.Suppression;
using Spectre.Console;

namespace Digest.Cli;

/// <summary><c>digest suppression list</c> and <c>digest suppression lift ADDRESS</c>.</summary>
internal static class SuppressionVerb
{
    public static Command Create() => new("suppression", "List the addresses we stopped sending to and why, or lift one.")
    {
        List(),
        Lift(),
    };

    static Command List()
    {
        var command = new Command("list", "The suppressed addresses, newest first, with why and when.");
        command.SetAction((_, _) => VerbHost.RunAsync(async (services, ct) =>
        {
            Terminal.PlainWhenRedirected();
            var list = await services.GetRequiredService<Suppressions>().ListAsync(ct);
            if (list.Count == 0)
            {
                Console.WriteLine("No address is suppressed.");
                return 0;
            }
            var table = new Table().AddColumn("address").AddColumn("since (UTC)").AddColumn("why");
            foreach (var address in list)
                table.AddRow(Markup.Escape(address.Email), address.SuppressedAt?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "",
                    Markup.Escape(address.Reason ?? ""));
            AnsiConsole.Write(table);
            Console.WriteLine($"{list.Count} address(es) suppressed.");
            return 0;
        }));
        return command;
    }

    static Command Lift()
    {
        var email = new Argument<string>("address") { Description = "The suppressed address." };
        var command = new Command("lift", "Send to a suppressed address again: it becomes active, its hard-failure count starts over.") { email };
        command.SetAction((parse, _) => VerbHost.RunAsync(async (services, ct) =>
        {
            var address = parse.GetValue(email)!;
            if (!await services.GetRequiredService<Suppressions>().LiftAsync(address, ct))
            {
                await Console.Error.WriteLineAsync($"digest suppression lift: '{address}' is not a suppressed address (see digest suppression list).");
                return 1;
            }
            Console.WriteLine($"Lifted: {address} is active again.");
            return 0;
        }));
        return command;
    }
}

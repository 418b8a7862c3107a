using System.CommandLine;
using System.Globalization;
using Digest.Cli;
using Spectre.Console;

namespace Digest.Bounces;

/// <summary><c>digest bounces</c>: one pass over the bounce mailbox now, and what it did.</summary>
internal static class BouncesVerb
{
    public static Command Create()
    {
        var command = new Command("bounces", "Read the bounce mailbox once now and print what it held: bounces, complaints, auto-replies, unparsed, unknown tokens.");
        command.SetAction((_, _) => VerbHost.RunAsync(async (services, ct) =>
        {
            Terminal.PlainWhenRedirected();
            var mailbox = services.GetRequiredService<BounceMailbox>();
            if (!mailbox.Configured)
            {
                await Console.Error.WriteLineAsync("digest bounces: no bounce mailbox is configured (set Mailer:Bounces:Address and Mailer:Bounces:Mailbox:Host, User, Password).");
                return 1;
            }
            BouncePass pass;
            try
            {
                pass = await mailbox.ReadAsync(ct);
            }
            catch (MailboxUnreachableException e)
            {
                await Console.Error.WriteLineAsync($"digest bounces: {e.Message}");
                return 1;
            }
            var table = new Table().Title("Bounce mailbox").AddColumn("").AddColumn(new TableColumn("messages").RightAligned());
            foreach (var (name, value) in new (string, int)[]
            {
                ("fetched", pass.Fetched), ("bounces", pass.Bounces), ("  hard (address bad)", pass.HardBounces), ("delayed", pass.Delayed),
                ("complaints", pass.Complaints), ("auto-replies ignored", pass.AutoReplies), ("unparsed (left in the mailbox)", pass.Unparsed),
                ("unknown tokens", pass.UnknownTokens), ("unmatched", pass.Unmatched), ("nothing to do", pass.Ignored),
                ("already handled", pass.Duplicates), ("addresses suppressed", pass.Suppressed), ("unsubscribed by complaint", pass.Unsubscribed),
            })
                table.AddRow(name, value.ToString("N0", CultureInfo.InvariantCulture));
            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }
}

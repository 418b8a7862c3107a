using System.CommandLine;
using Digest.Database;

namespace Digest.Cli;

internal static class MigrateVerb
{
    public static Command Create()
    {
        var command = new Command("migrate", "Bring the database schema up to date and exit.");
        command.SetAction((_, _) => VerbHost.RunAsync(async (services, ct) =>
        {
            var applied = await services.MigrateDatabaseAsync(ct);
            Console.WriteLine(applied == 0 ? "The schema is up to date." : $"Applied {applied} migration(s).");
            return 0;
        }, migrateFirst: false));
        return command;
    }
}

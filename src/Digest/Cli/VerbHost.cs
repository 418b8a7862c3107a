using System.Runtime.InteropServices;
using Digest.Database;

namespace Digest.Cli;

/// <summary>Runs one verb inside the service's host: same configuration and database, no web server, no schedules.</summary>
internal static class VerbHost
{
    /// <summary>The exit code of a verb stopped by Ctrl-C or SIGTERM after it cleaned up.</summary>
    public const int StoppedExitCode = 130;

    public static async Task<int> RunAsync(Func<IServiceProvider, CancellationToken, Task<int>> verb, bool migrateFirst = true)
    {
        using var cancel = new CancellationTokenSource();
        // Ctrl-C and SIGTERM (a deploy, systemd, a CI runner) alike: the first asks the verb to stop
        // and lets it finish cleanly (sends under way recorded, the embedded server stopped); a
        // second one ends the process at once.
        void OnSignal(PosixSignalContext context)
        {
            if (cancel.IsCancellationRequested)
                return;
            context.Cancel = true;
            cancel.Cancel();
        }
        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        // Beside a running service on the embedded default, a verb uses that service's PostgreSQL.
        await using var app = await DigestHost.BuildAsync([], joinRunningService: true, cancel.Token);
        try
        {
            // On standard error, so that what a verb prints on standard output stays its own (a CSV, say).
            await Console.Error.WriteLineAsync($"digest: using {app.Services.GetRequiredService<DatabaseInUse>().Description}");
            if (migrateFirst)
                await app.Services.MigrateDatabaseAsync(cancel.Token);
            return await verb(app.Services, cancel.Token);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("digest: cancelled");
            return StoppedExitCode;
        }
        finally
        {
            await app.Services.StopEmbeddedDatabaseAsync();
        }
    }
}

using Digest.Database;

namespace Digest.Cli;

/// <summary>Runs one verb inside the service's host: same configuration and database, no web server, no schedules.</summary>
internal static class VerbHost
{
    public static async Task<int> RunAsync(Func<IServiceProvider, CancellationToken, Task<int>> verb, bool migrateFirst = true)
    {
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            // First Ctrl-C asks the verb to stop and lets it clean up (the embedded server included).
            e.Cancel = true;
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        await using var app = DigestHost.Build([]);
        try
        {
            if (migrateFirst)
                await app.Services.MigrateDatabaseAsync(cancel.Token);
            return await verb(app.Services, cancel.Token);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("digest: cancelled");
            return 130;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            await app.Services.StopEmbeddedDatabaseAsync();
        }
    }
}

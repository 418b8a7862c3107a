using System.Diagnostics;
using System.Text;

namespace Digest.Database.Embedded;

/// <summary>
/// Runs one PostgreSQL program to completion. PostgreSQL refuses to run as root, so when this
/// process is root the program runs as the 'postgres' user (created by the Debian package).
/// </summary>
internal static class ServerProcess
{
    public const string ServiceUser = "postgres";

    public static bool RunningAsRoot => Environment.IsPrivilegedProcess;

    public static async Task<(int ExitCode, string Output)> RunAsync(
        string program, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (RunningAsRoot)
        {
            start.FileName = "runuser";
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add(ServiceUser);
            start.ArgumentList.Add("--");
            start.ArgumentList.Add(program);
        }
        else
        {
            start.FileName = program;
        }
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        // The server inherits the locale; pin it so messages and initdb's defaults do not depend on the shell.
        start.Environment["LC_ALL"] = "C.UTF-8";
        start.Environment["LANG"] = "C.UTF-8";

        using var process = Process.Start(start)
            ?? throw new EmbeddedPostgresException($"Could not start {program}.");
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new EmbeddedPostgresException(
                $"{Path.GetFileName(program)} did not finish within {timeout.TotalSeconds:0} s.");
        }
        output.Append(await stdout).Append(await stderr);
        return (process.ExitCode, output.ToString().Trim());
    }

    /// <summary>Gives a folder to the 'postgres' user when running as root; a no-op otherwise.</summary>
    public static void GiveToServiceUser(string path)
    {
        if (!RunningAsRoot)
            return;
        using var chown = Process.Start(new ProcessStartInfo("chown", ["-R", $"{ServiceUser}:{ServiceUser}", path])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new EmbeddedPostgresException("Could not run chown.");
        var error = chown.StandardError.ReadToEnd();
        chown.WaitForExit();
        if (chown.ExitCode != 0)
        {
            throw new EmbeddedPostgresException(
                $"Running as root, the data folder must belong to the '{ServiceUser}' user, but chown failed: {error.Trim()} " +
                "(is the postgresql package installed? it creates that user).");
        }
    }
}

using System.Diagnostics;

namespace Digest.TestSupport;

/// <summary>
/// Runs Debian's Python (where python3-aiosmtpd and python3-dkim live) as an independent oracle.
/// Another python3 may come first on PATH, so the path is fixed.
/// </summary>
public static class Python
{
    public const string Interpreter = "/usr/bin/python3";

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(
        string script, string? stdin = null, IEnumerable<string>? arguments = null, TimeSpan? timeout = null)
    {
        if (!File.Exists(Interpreter))
            throw new InvalidOperationException("Debian's python3 is not installed: apt-get install python3 (the test command installs it).");
        var start = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (var argument in arguments ?? [])
            start.ArgumentList.Add(argument);
        start.Environment["PYTHONIOENCODING"] = "utf-8";
        start.Environment.Remove("PYTHONPATH");
        start.Environment.Remove("PYTHONHOME");

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
            await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(cancel.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}

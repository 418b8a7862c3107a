using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Digest.TestSupport;

/// <summary>
/// The real executable in its own process, as an operator starts it: for tests of what only a
/// process shows (Ctrl-C, kill -9, verbs and their exit codes).
/// </summary>
public sealed partial class DigestProcess : IDisposable
{
    readonly Process _process;
    readonly StringBuilder _output = new();

    DigestProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>Starts the executable built beside the tests with the given arguments and environment.</summary>
    /// <param name="input">What the process reads on standard input (then end of file); without it, the test's own.</param>
    public static DigestProcess Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment, string? input = null)
    {
        // Through env(1), which execs the executable in the same process: a test runner started in
        // the background by a shell without job control inherits SIGINT ignored, a child inherits
        // that, and .NET then leaves an ignored SIGINT ignored, so a Ctrl-C test would prove nothing.
        var start = new ProcessStartInfo("/usr/bin/env")
        {
            ArgumentList = { "--default-signal=INT,TERM,QUIT", Path.Combine(AppContext.BaseDirectory, "Digest") },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        // Tests never reach the internet: remote paper sources stay off unless the test turns them
        // back on against a loopback fixture server.
        start.Environment["Papers__Offline"] = "true";
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        var process = new DigestProcess(Process.Start(start)!);
        if (input is not null)
        {
            process._process.StandardInput.Write(input);
            process._process.StandardInput.Close();
        }
        return process;
    }

    /// <summary>Runs a verb to completion and returns its exit code and everything it printed.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(
        IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment, TimeSpan? timeout = null, string? input = null)
    {
        using var process = Start(arguments, environment, input);
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        await process._process.WaitForExitAsync(cancel.Token);
        process._process.WaitForExit(); // flushes the redirected output
        return (process._process.ExitCode, process.Output);
    }

    /// <summary>What Ctrl-C in a terminal sends.</summary>
    public void Interrupt() => _ = kill(_process.Id, 2);

    /// <summary>What a deploy, systemd or a container runtime sends to stop a service.</summary>
    public void Terminate() => _ = kill(_process.Id, 15);

    /// <summary>kill -9: no chance to clean up.</summary>
    public void KillHard() => _process.Kill(entireProcessTree: false);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}

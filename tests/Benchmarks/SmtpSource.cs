using System.Diagnostics;
using System.Globalization;

namespace Digest.Benchmarks;

/// <summary>Postfix's smtp-source, the reference every mail benchmark compares itself with in the same run.</summary>
internal static class SmtpSource
{
    /// <summary>How long smtp-source took, and the CPU it used (user and system).</summary>
    public readonly record struct Run(TimeSpan Elapsed, TimeSpan Cpu);

    /// <returns>How long it took to send <paramref name="count"/> messages of about <paramref name="size"/> bytes over <paramref name="sessions"/> sessions, and its CPU.</returns>
    public static async Task<Run> RunAsync(string host, int port, int count, int sessions, int size)
    {
        var program = new[] { "/usr/sbin/smtp-source", "/usr/bin/smtp-source" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("smtp-source is not installed: apt-get install postfix");
        var start = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[]
                 {
                     "-d", "-s", sessions.ToString(CultureInfo.InvariantCulture), "-m", count.ToString(CultureInfo.InvariantCulture),
                     // -l counts the payload only; smtp-source adds a few short headers of its own.
                     "-l", Math.Max(size - 200, 100).ToString(CultureInfo.InvariantCulture), "-f", "digest@example.org", "-t", "reader@example.net",
                     $"{host}:{port}",
                 })
            start.ArgumentList.Add(argument);
        var children = ReapedChildrenCpu();
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        clock.Stop();
        var stderr = await errors;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"smtp-source failed: {stderr}");
        return new Run(clock.Elapsed, ReapedChildrenCpu() - children);
    }

    /// <summary>
    /// The CPU of this process's children that have ended and been waited for: the runtime waits
    /// for smtp-source before reporting its exit, and it is the only child that ends meanwhile.
    /// </summary>
    static TimeSpan ReapedChildrenCpu() => ProcStat.Cpu("/proc/self", ProcStat.ReapedChildren);
}

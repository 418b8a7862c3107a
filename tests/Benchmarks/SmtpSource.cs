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
    /// The CPU of this process's children that have exited and been waited for (cutime and cstime
    /// of /proc/self/stat): the runtime waits for smtp-source before its exit is reported, so its
    /// CPU is in this once it has ended, including time on a core the benchmark's own threads
    /// did not count.
    /// </summary>
    static TimeSpan ReapedChildrenCpu()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // Fields 16 and 17 of stat, in USER_HZ (100 a second on every architecture .NET runs on).
        return TimeSpan.FromMilliseconds(fields[13..15].Sum(f => long.Parse(f, CultureInfo.InvariantCulture)) * 10);
    }
}

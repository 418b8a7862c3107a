using System.Globalization;

namespace Digest.Benchmarks;

/// <summary>CPU times from a process's /proc stat file, the one place that knows its layout.</summary>
internal static class ProcStat
{
    /// <summary>cutime and cstime: the CPU of its children that have ended and been waited for.</summary>
    public static readonly Range ReapedChildren = 13..15;

    /// <summary>utime and stime, the process's own CPU, and its reaped children's.</summary>
    public static readonly Range OwnAndReapedChildren = 11..15;

    /// <summary>The sum of <paramref name="fields"/> (counted from the state, field 3) of the stat file in <paramref name="folder"/>.</summary>
    public static TimeSpan Cpu(string folder, Range fields)
    {
        // After "(comm) " (a comm may hold spaces and parentheses): utime, stime, cutime, cstime are fields 14–17.
        var stat = File.ReadAllText(Path.Combine(folder, "stat"));
        var ticks = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[fields].Sum(f => long.Parse(f, CultureInfo.InvariantCulture));
        // Linux reports these in USER_HZ, 100 a second on every architecture .NET runs on.
        return TimeSpan.FromMilliseconds(ticks * 10);
    }
}

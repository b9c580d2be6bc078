using System.Globalization;

namespace ChitBox.Bench.Measure;

/// <summary>
/// One reading of a Linux process from <c>/proc/&lt;pid&gt;</c>: resident memory now
/// (VmRSS), its peak (VmHWM) and CPU time used (utime + stime).
/// </summary>
public readonly record struct ProcessStats(long RssBytes, long PeakRssBytes, double CpuSeconds)
{
    // USER_HZ: 100 on every Linux architecture .NET runs on.
    private const double ClockTicksPerSecond = 100;

    public static ProcessStats? Read(int pid)
    {
        try
        {
            long rss = 0, hwm = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = Kilobytes(line);
                }
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    hwm = Kilobytes(line);
                }
            }

            // Fields after the command name, which is in parentheses and may hold spaces;
            // utime and stime are fields 14 and 15 of stat, and field 3 (state) is index 0 here.
            var fields = StatFields(pid);
            var ticks = Ticks(fields, 11) + Ticks(fields, 12);
            return new ProcessStats(rss * 1024, hwm * 1024, ticks / ClockTicksPerSecond);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>
    /// CPU seconds of a process and its children: its own utime + stime, cutime + cstime
    /// (children it has reaped), and utime + stime of children still running. For
    /// PostgreSQL, whose work is done by one backend process per connection.
    /// </summary>
    public static double? ReadTreeCpuSeconds(int pid)
    {
        try
        {
            var own = StatFields(pid);
            var ticks = Ticks(own, 11) + Ticks(own, 12) + Ticks(own, 13) + Ticks(own, 14);
            var parent = pid.ToString(CultureInfo.InvariantCulture);
            foreach (var directory in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(directory), out var child) || child == pid)
                {
                    continue;
                }

                try
                {
                    var fields = StatFields(child);
                    if (fields[1] == parent)
                    {
                        ticks += Ticks(fields, 11) + Ticks(fields, 12);
                    }
                }
                catch (IOException)
                {
                    // It exited while the tree was read.
                }
            }

            return ticks / ClockTicksPerSecond;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>
    /// CPU seconds of each of a process's threads whose name starts with
    /// <paramref name="namePrefix"/>, by thread id (empty when none or unreadable).
    /// </summary>
    public static IReadOnlyDictionary<int, double> ReadThreadCpuSeconds(int pid, string namePrefix)
    {
        var threads = new Dictionary<int, double>();
        try
        {
            foreach (var directory in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(directory, "comm")).StartsWith(namePrefix, StringComparison.Ordinal)
                        && int.TryParse(Path.GetFileName(directory), out var tid))
                    {
                        var fields = StatFields($"{pid}/task/{tid}");
                        threads[tid] = (Ticks(fields, 11) + Ticks(fields, 12)) / ClockTicksPerSecond;
                    }
                }
                catch (IOException)
                {
                    // The thread ended while it was read.
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process ended.
        }

        return threads;
    }

    /// <summary>The fields of <c>/proc/pid/stat</c> from the state on (field 3 is index 0).</summary>
    private static string[] StatFields(int pid) => StatFields(pid.ToString(CultureInfo.InvariantCulture));

    private static string[] StatFields(string procPath)
    {
        var stat = File.ReadAllText($"/proc/{procPath}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }

    private static long Ticks(string[] fields, int index) => long.Parse(fields[index], CultureInfo.InvariantCulture);

    /// <summary>Resets VmHWM to the current RSS (<c>echo 5 &gt; /proc/pid/clear_refs</c>); false when not allowed.</summary>
    public static bool TryResetPeak(int pid)
    {
        try
        {
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}

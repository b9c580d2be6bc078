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

            // Fields after the command name, which is in parentheses and may hold spaces.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // utime and stime are fields 14 and 15 of stat; field 3 (state) is fields[0] here.
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return new ProcessStats(rss * 1024, hwm * 1024, ticks / ClockTicksPerSecond);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

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

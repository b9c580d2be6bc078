using System.Diagnostics;

namespace ChitBox.Bench.Measure;

/// <summary>
/// CPU seconds spent over one cell by every process on the path, so a cell shows where
/// this machine's cores went: ingress, API, PostgreSQL (all backends), Redis, the bench
/// client itself, and the whole machine (/proc/stat).
/// </summary>
public sealed class CpuMeter
{
    private readonly IReadOnlyDictionary<string, Func<double?>> _readers;
    private readonly Dictionary<string, double?> _start;
    private readonly long _started = Stopwatch.GetTimestamp();

    private CpuMeter(IReadOnlyDictionary<string, Func<double?>> readers)
    {
        _readers = readers;
        _start = readers.ToDictionary(r => r.Key, r => r.Value());
    }

    /// <param name="processes">Name → pid; PostgreSQL's is read as a tree (postmaster and backends).</param>
    public static CpuMeter Start(IReadOnlyDictionary<string, int> processes, string? treeName = null)
    {
        var readers = new Dictionary<string, Func<double?>>();
        foreach (var (name, pid) in processes)
        {
            readers[name] = name == treeName
                ? () => ProcessStats.ReadTreeCpuSeconds(pid)
                : () => ProcessStats.Read(pid)?.CpuSeconds;
        }

        readers["bench client"] = () => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        readers["machine busy"] = MachineBusySeconds;
        return new CpuMeter(readers);
    }

    /// <summary>Name under which <see cref="Stop"/> gives the wall-clock seconds the meter ran.</summary>
    public const string Wall = "wall";

    /// <summary>CPU seconds per process over the cell, and the <see cref="Wall"/> seconds they were counted over.</summary>
    public IReadOnlyDictionary<string, double> Stop()
    {
        var spent = _readers.Where(r => _start[r.Key] is not null)
            .Select(r => (r.Key, End: r.Value()))
            .Where(r => r.End is not null)
            .ToDictionary(r => r.Key, r => Math.Round(r.End!.Value - _start[r.Key]!.Value, 3));
        spent[Wall] = Math.Round(Stopwatch.GetElapsedTime(_started).TotalSeconds, 3);
        return spent;
    }

    /// <summary>All CPUs' non-idle time from /proc/stat, in seconds.</summary>
    public static double? MachineBusySeconds()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // cpu user nice system idle iowait irq softirq steal ...
            var busy = long.Parse(fields[1]) + long.Parse(fields[2]) + long.Parse(fields[3]) + long.Parse(fields[6])
                       + long.Parse(fields[7]) + long.Parse(fields[8]);
            return busy / 100.0;
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}

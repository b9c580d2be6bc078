namespace ChitBox.Bench.Measure;

/// <summary>
/// Watches a server process for the length of one cell: its peak RSS (VmHWM, reset at the
/// start when the kernel allows, and VmRSS sampled every 20 ms as a cross-check) and the
/// CPU time it used.
/// </summary>
public sealed class ProcessWatch : IAsyncDisposable
{
    private static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(20);

    private readonly int _pid;
    private readonly ProcessStats _start;
    private readonly bool _peakWasReset;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private long _sampledPeak;

    private ProcessWatch(int pid, ProcessStats start, bool peakWasReset)
    {
        _pid = pid;
        _start = start;
        _peakWasReset = peakWasReset;
        _sampledPeak = start.RssBytes;
        _sampling = SampleAsync();
    }

    public static ProcessWatch? Start(int? pid)
    {
        if (pid is not { } id)
        {
            return null;
        }

        var reset = ProcessStats.TryResetPeak(id);
        return ProcessStats.Read(id) is { } start ? new ProcessWatch(id, start, reset) : null;
    }

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(SampleInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                if (ProcessStats.Read(_pid) is { } now && now.RssBytes > _sampledPeak)
                {
                    _sampledPeak = now.RssBytes;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async Task<ProcessUsage?> StopAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        if (ProcessStats.Read(_pid) is not { } end)
        {
            return null;
        }

        var peak = Math.Max(_sampledPeak, end.RssBytes);
        if (_peakWasReset)
        {
            peak = Math.Max(peak, end.PeakRssBytes);
        }

        return new ProcessUsage(_start.RssBytes, peak, end.CpuSeconds - _start.CpuSeconds);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
            await _sampling;
        }

        _stop.Dispose();
    }
}

/// <summary>A process over one cell: RSS when it began, the peak during it, CPU seconds spent.</summary>
public sealed record ProcessUsage(long StartRssBytes, long PeakRssBytes, double CpuSeconds);

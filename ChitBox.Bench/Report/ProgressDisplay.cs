using System.Diagnostics;
using ChitBox.Bench.Load;

namespace ChitBox.Bench.Report;

/// <summary>
/// A status line on stderr while a cell runs: redrawn in place on a terminal, one line
/// every few seconds when stderr is a file or a pipe.
/// </summary>
public sealed class ProgressDisplay : IAsyncDisposable
{
    private readonly TextWriter _output;
    private readonly string _label;
    private readonly LoadProgress _progress;
    private readonly bool _inPlace;
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _drawing;

    public ProgressDisplay(TextWriter output, string label, LoadProgress progress)
    {
        _output = output;
        _label = label;
        _progress = progress;
        _inPlace = !Console.IsErrorRedirected;
        _drawing = DrawAsync();
    }

    private async Task DrawAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(_inPlace ? 250 : 5000));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                Draw(final: false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Draw(bool final)
    {
        var elapsed = Stopwatch.GetElapsedTime(_started).TotalSeconds;
        var line = $"{_label}: {_progress.Accepted} accepted, {_progress.Accepted / Math.Max(elapsed, 0.001):0} msg/s, " +
                   $"{_progress.Transient} 4xx, {_progress.Rejected} 5xx, {_progress.ConnectionErrors} conn errors, {elapsed:0.0} s";
        if (_inPlace)
        {
            _output.Write("\r" + line.PadRight(Width()));
            if (final)
            {
                _output.WriteLine();
            }
        }
        else if (final || elapsed > 1)
        {
            _output.WriteLine(line);
        }
    }

    private static int Width()
    {
        try
        {
            return Math.Clamp(Console.WindowWidth - 1, 40, 160);
        }
        catch (IOException)
        {
            return 120;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _drawing;
        Draw(final: true);
        _stop.Dispose();
    }
}

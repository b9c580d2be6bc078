using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ChitBox.LocalInfrastructure;

/// <summary>A server process this code started and must stop: output forwarded, signals sent on stop.</summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ChildProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <param name="output">Receives each line the process writes, stdout and stderr alike.</param>
    public static ChildProcess Start(ProcessStartInfo startInfo, Action<string>? output)
    {
        startInfo.UseShellExecute = false;
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        startInfo.RedirectStandardInput = true;
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output?.Invoke(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output?.Invoke(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildProcess(process);
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>Sends <paramref name="signal"/>, waits up to <paramref name="grace"/>, then kills the tree.</summary>
    public async Task StopAsync(PosixSignal signal, TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        Signals.Send(_process.Id, signal);
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(PosixSignal.SIGTERM, TimeSpan.FromSeconds(10));
        _process.Dispose();
    }
}

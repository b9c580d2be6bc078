using System.Diagnostics;
using System.Runtime.InteropServices;
using ChitBox.Bench.Load;
using ChitBox.LocalInfrastructure;

namespace ChitBox.Bench.Stack;

/// <summary>
/// A ChitBox service run as a child process from its build output, configured through
/// environment variables only, as the AppHost runs it; ready once <c>/health</c> answers.
/// Its output is kept (last lines) and shown only if it fails.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private const int KeptLines = 40;
    private static readonly TimeSpan HealthTimeout = TimeSpan.FromSeconds(90);

    private readonly Queue<string> _lastLines;
    private readonly ChildProcess _process;

    private ServiceProcess(string name, ChildProcess process, Queue<string> lastLines)
    {
        Name = name;
        _process = process;
        _lastLines = lastLines;
    }

    public string Name { get; }

    public int ProcessId => _process.Id;

    public static async Task<ServiceProcess> StartAsync(
        string name, string projectName, int healthPort, IReadOnlyDictionary<string, string> environment,
        CancellationToken cancellationToken)
    {
        var assembly = RepositoryLayout.BuiltAssembly(projectName);
        if (!File.Exists(assembly))
        {
            throw new InvalidOperationException($"{assembly} is missing: build the bench (`dotnet build -c Release ChitBox.Bench`) first.");
        }

        var startInfo = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(assembly)! };
        startInfo.ArgumentList.Add(assembly);
        ClientSockets.RestoreOperatorsSetting(startInfo.Environment);
        startInfo.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{healthPort}";
        startInfo.Environment["OTEL_SERVICE_NAME"] = name;
        foreach (var (variable, value) in environment)
        {
            startInfo.Environment[variable] = value;
        }

        var lastLines = new Queue<string>();
        var process = ChildProcess.Start(startInfo, line =>
        {
            lock (lastLines)
            {
                lastLines.Enqueue(line);
                if (lastLines.Count > KeptLines)
                {
                    lastLines.Dequeue();
                }
            }
        });
        var service = new ServiceProcess(name, process, lastLines);
        try
        {
            await service.WaitUntilHealthyAsync(healthPort, cancellationToken);
            return service;
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

    public string LastOutput()
    {
        lock (_lastLines)
        {
            return string.Join(Environment.NewLine, _lastLines);
        }
    }

    private async Task WaitUntilHealthyAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            if (!await HealthProbe.WaitUntilHealthyAsync(port, HealthTimeout, () => _process.HasExited, cancellationToken))
            {
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} at start:{Environment.NewLine}{LastOutput()}");
            }
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{Name}: {e.Message}{Environment.NewLine}{LastOutput()}", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.StopAsync(PosixSignal.SIGTERM, TimeSpan.FromSeconds(10));
        await _process.DisposeAsync();
    }
}

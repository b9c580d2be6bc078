using System.Diagnostics;
using System.Runtime.InteropServices;
using ChitBox.AppHost.Hosting;
using ChitBox.LocalInfrastructure;

namespace ChitBox.AppHost.Resources;

/// <summary>
/// A service project run as a child process from its build output, configured only
/// through environment variables, the way an Aspire AppHost runs project resources.
/// Healthy once its <c>/health</c> answers 200.
/// </summary>
public sealed class ProjectResource : IResource
{
    private static readonly TimeSpan HealthTimeout = TimeSpan.FromSeconds(90);
    // Longer than the ingress's own shutdown grace (10 s, then 1 s to abort), so a
    // transaction in flight is answered before the process could be killed; the whole
    // stack still stops within the contract's 15 s.
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(12.5);

    private readonly string _projectDirectory;
    private readonly string _assemblyPath;
    private readonly Dictionary<string, Func<string>> _environment = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<string> _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _healthPort;
    private ChildProcess? _process;
    private bool _stopping;

    public ProjectResource(string name, string projectName, string address, int healthPort)
    {
        Name = name;
        Address = address;
        _healthPort = healthPort;
        _projectDirectory = RepositoryLayout.ProjectDirectory(projectName);
        _assemblyPath = RepositoryLayout.BuiltAssembly(projectName);
        _environment["OTEL_SERVICE_NAME"] = () => name;
        _environment["ASPNETCORE_URLS"] = () => $"http://127.0.0.1:{healthPort}";
    }

    public string Name { get; }

    public string Address { get; }

    public Task<string> Stopped => _stopped.Task;

    public ProjectResource WithEnvironment(string variable, string value) => WithEnvironment(variable, () => value);

    /// <summary>A value only known once another resource has started.</summary>
    public ProjectResource WithEnvironment(string variable, Func<string> value)
    {
        _environment[variable] = value;
        return this;
    }

    public ProjectResource WithReference(IConnectionStringResource resource) =>
        WithEnvironment($"ConnectionStrings__{resource.ConnectionName}", () => resource.ConnectionString);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(_assemblyPath))
        {
            throw new InvalidOperationException($"{_assemblyPath} is missing: build the solution (`dotnet build`) first.");
        }

        var startInfo = new ProcessStartInfo("dotnet") { WorkingDirectory = _projectDirectory };
        startInfo.ArgumentList.Add(_assemblyPath);
        foreach (var (variable, value) in _environment)
        {
            startInfo.Environment[variable] = value();
        }

        _process = ChildProcess.Start(startInfo, ResourceOutput.For(Name));
        _ = ReportExitAsync(_process);
        await WaitUntilHealthyAsync(cancellationToken);
    }

    private async Task ReportExitAsync(ChildProcess process)
    {
        await process.WaitForExitAsync(CancellationToken.None);
        if (!_stopping)
        {
            _stopped.TrySetResult($"exited with code {process.ExitCode}");
        }
    }

    private async Task WaitUntilHealthyAsync(CancellationToken cancellationToken)
    {
        if (!await HealthProbe.WaitUntilHealthyAsync(_healthPort, HealthTimeout, () => _stopped.Task.IsCompleted, cancellationToken))
        {
            throw new InvalidOperationException($"{Name} {await _stopped.Task} before it became healthy; its output above says why.");
        }
    }

    /// <summary>SIGTERM, so the service drains its sessions; killed if it outlives the grace period.</summary>
    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        if (_process is not null)
        {
            await _process.StopAsync(PosixSignal.SIGTERM, StopGrace);
            await _process.DisposeAsync();
        }

        _stopped.TrySetResult("stopped");
    }
}

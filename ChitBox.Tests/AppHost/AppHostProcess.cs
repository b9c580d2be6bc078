using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using ChitBox.LocalInfrastructure;
using ChitBox.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ChitBox.Tests.AppHost;

/// <summary>
/// The built AppHost run as a developer runs it, on free ports and a fresh data folder,
/// its output kept and copied to the test output. Killed with its children if a test fails.
/// </summary>
public sealed partial class AppHostProcess : IDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _all = [];
    private readonly TemporaryDirectory _dataDirectory;

    private AppHostProcess(Process process, ITestOutputHelper output, int smtpPort, int apiPort, TemporaryDirectory dataDirectory)
    {
        _process = process;
        _dataDirectory = dataDirectory;
        SmtpPort = smtpPort;
        ApiPort = apiPort;
        process.OutputDataReceived += (_, e) => Receive(e.Data, output, "");
        process.ErrorDataReceived += (_, e) => Receive(e.Data, output, "stderr: ");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int SmtpPort { get; }

    public int ApiPort { get; }

    public int Id => _process.Id;

    public int ExitCode => _process.ExitCode;

    public static AppHostProcess Start(ITestOutputHelper output, IReadOnlyDictionary<string, string>? environment = null)
    {
        var (smtpPort, apiPort) = (FreePort.Next(), FreePort.Next());
        var startInfo = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepositoryLayout.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.ArgumentList.Add(RepositoryLayout.BuiltAssembly("ChitBox.AppHost"));
        startInfo.Environment["AppHost__SmtpPort"] = smtpPort.ToString();
        startInfo.Environment["AppHost__ApiPort"] = apiPort.ToString();
        var dataDirectory = TemporaryDirectory.Create("apphost");
        startInfo.Environment["AppHost__DataDirectory"] = dataDirectory;
        // The AppHost's own servers, whatever this test run points at.
        startInfo.Environment.Remove("ConnectionStrings__chitbox");
        startInfo.Environment.Remove("ConnectionStrings__redis");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        return new AppHostProcess(Process.Start(startInfo)!, output, smtpPort, apiPort, dataDirectory);
    }

    /// <summary>The first line (stdout or stderr) matching, or a timeout.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        while (true)
        {
            var line = await _lines.Reader.ReadAsync(cancellation.Token);
            if (match(line))
            {
                return line;
            }
        }
    }

    public Task WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync().WaitAsync(timeout);

    /// <summary>Every output line so far.</summary>
    public IReadOnlyList<string> Output
    {
        get
        {
            lock (_all)
            {
                return [.. _all];
            }
        }
    }

    /// <summary>Every process below the AppHost, from /proc.</summary>
    public List<int> Descendants() => ProcessTree.Descendants(_process.Id);

    public void Interrupt() => Kill(_process.Id, 2);

    private void Receive(string? line, ITestOutputHelper output, string prefix)
    {
        if (line is null)
        {
            return;
        }

        output.WriteLine(prefix + line);
        lock (_all)
        {
            _all.Add(line);
        }

        _lines.Writer.TryWrite(line);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
        _dataDirectory.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}

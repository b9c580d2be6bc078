using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using ChitBox.LocalInfrastructure;
using ChitBox.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ChitBox.Tests.AppHost;

/// <summary>Starts the real stack as a developer does, checks it, and stops it with Ctrl+C.</summary>
public sealed partial class AppHostSmokeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AppHost_starts_every_resource_healthy_and_sigint_stops_every_child()
    {
        var (smtpPort, apiPort) = (FreePort.Next(), FreePort.Next());
        using var appHost = StartAppHost(smtpPort, apiPort, TemporaryDirectory.Create("apphost"));
        var lines = new List<string>();
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        appHost.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (lines)
            {
                lines.Add(e.Data);
            }

            output.WriteLine(e.Data);
            if (e.Data.StartsWith("ChitBox is running", StringComparison.Ordinal))
            {
                running.TrySetResult();
            }
        };
        appHost.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.WriteLine("stderr: " + e.Data); };
        appHost.BeginOutputReadLine();
        appHost.BeginErrorReadLine();

        try
        {
            await running.Task.WaitAsync(StartTimeout);
            string[] announced;
            lock (lines)
            {
                announced = [.. lines.Where(l => !l.StartsWith('['))];
            }

            Assert.Contains(announced, l => l.StartsWith("postgres: ", StringComparison.Ordinal));
            Assert.Contains(announced, l => l.StartsWith("redis: ", StringComparison.Ordinal));
            Assert.Contains($"chitbox-api: http://127.0.0.1:{apiPort}", announced);
            var smtpLine = Assert.Single(announced, l => l.StartsWith("chitbox-smtp: ", StringComparison.Ordinal));
            Assert.Contains($"smtp://127.0.0.1:{smtpPort}", smtpLine);

            using var http = new HttpClient();
            Assert.True((await http.GetAsync($"http://127.0.0.1:{apiPort}/health")).IsSuccessStatusCode);
            Assert.True((await http.GetAsync(HealthUrl().Match(smtpLine).Value)).IsSuccessStatusCode);
            Assert.True((await http.GetAsync($"http://127.0.0.1:{apiPort}/alive")).IsSuccessStatusCode);

            var children = Descendants(appHost.Id);
            Assert.True(children.Count >= 3, $"expected postgres, redis and two services under the AppHost, found {children.Count}");

            Signal(appHost.Id, 2);
            await appHost.WaitForExitAsync().WaitAsync(StopTimeout);

            Assert.DoesNotContain(children, IsAlive);
            Assert.False(await AcceptsConnectionsAsync(apiPort));
        }
        finally
        {
            if (!appHost.HasExited)
            {
                appHost.Kill(entireProcessTree: true);
            }
        }
    }

    private static Process StartAppHost(int smtpPort, int apiPort, string dataDirectory)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepositoryPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(RepositoryPaths.BuiltAssembly("ChitBox.AppHost"));
        startInfo.Environment["AppHost__SmtpPort"] = smtpPort.ToString();
        startInfo.Environment["AppHost__ApiPort"] = apiPort.ToString();
        startInfo.Environment["AppHost__DataDirectory"] = dataDirectory;
        // The smoke test checks the AppHost's own servers, whatever this run points at.
        startInfo.Environment.Remove("ConnectionStrings__chitbox");
        startInfo.Environment.Remove("ConnectionStrings__redis");
        return Process.Start(startInfo)!;
    }

    /// <summary>Every process below <paramref name="pid"/>, from /proc.</summary>
    private static List<int> Descendants(int pid)
    {
        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.GetDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var child))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    parents[child] = int.Parse(fields[1]);
                }
                catch (IOException)
                {
                }
            }
        }

        var found = new List<int>();
        var frontier = new Queue<int>([pid]);
        while (frontier.TryDequeue(out var parent))
        {
            foreach (var (child, childParent) in parents)
            {
                if (childParent == parent)
                {
                    found.Add(child);
                    frontier.Enqueue(child);
                }
            }
        }

        return found;
    }

    private static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}") &&
        !File.ReadAllText($"/proc/{pid}/stat").Split(") ")[1].StartsWith('Z');

    private static async Task<bool> AcceptsConnectionsAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Signal(int pid, int signal);

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+/health")]
    private static partial Regex HealthUrl();
}

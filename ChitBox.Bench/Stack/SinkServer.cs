using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ChitBox.LocalInfrastructure;

namespace ChitBox.Bench.Stack;

/// <summary>
/// Postfix's <c>smtp-sink</c> on a loopback port: an event-driven C server that answers
/// SMTP and throws the mail away, the ceiling a real server on this machine can reach
/// with the bench's client. Debian package <c>postfix</c>.
/// </summary>
public sealed class SinkServer : IAsyncDisposable
{
    private static readonly string[] Locations = ["/usr/sbin/smtp-sink", "/usr/bin/smtp-sink"];

    private readonly ChildProcess _process;

    private SinkServer(ChildProcess process, IPEndPoint endPoint)
    {
        _process = process;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    public int ProcessId => _process.Id;

    public static string? Find() =>
        Locations.Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
                .Select(directory => Path.Combine(directory, "smtp-sink")))
            .FirstOrDefault(File.Exists);

    public static async Task<SinkServer> StartAsync(CancellationToken cancellationToken)
    {
        var program = Find() ?? throw new InvalidOperationException(
            "smtp-sink was not found: `apt-get install -y postfix` installs it, or run without --sink.");
        var port = FreePort.Next();
        var startInfo = new ProcessStartInfo(program);
        // -m: simultaneous sessions (default 256); as root it must drop to another user (-u).
        var arguments = new List<string> { "-m", "2048" };
        if (Environment.UserName == "root")
        {
            arguments.AddRange(["-u", "nobody"]);
        }

        arguments.AddRange([$"127.0.0.1:{port}", "1024"]);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = ChildProcess.Start(startInfo, _ => { });
        var sink = new SinkServer(process, new IPEndPoint(IPAddress.Loopback, port));
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"smtp-sink exited at start with code {process.ExitCode}.");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(sink.EndPoint, cancellationToken);
                return sink;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(50, cancellationToken);
            }
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}

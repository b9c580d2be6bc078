using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Net.Sockets;
using Garnet;

namespace ChitBox.LocalInfrastructure;

/// <summary>
/// A private Redis on a loopback port: <c>redis-server</c> from PATH when present,
/// otherwise Microsoft.Garnet in this process. Nothing is persisted: Redis only
/// carries notifications.
/// </summary>
public sealed class LocalRedis : IAsyncDisposable
{
    private readonly ChildProcess? _redisServer;
    private readonly GarnetServer? _garnet;

    private LocalRedis(int port, ChildProcess? redisServer, GarnetServer? garnet)
    {
        Port = port;
        _redisServer = redisServer;
        _garnet = garnet;
    }

    public int Port { get; }

    /// <summary>"redis-server" or "garnet".</summary>
    public string Implementation => _redisServer is null ? "garnet" : "redis-server";

    /// <summary>The redis-server process id; null when Garnet runs in-process.</summary>
    public int? ProcessId => _redisServer?.Id;

    /// <summary>StackExchange.Redis form, for <c>ConnectionStrings__redis</c>.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <param name="port">0 for any free port.</param>
    /// <param name="inProcess">Garnet even when redis-server is installed.</param>
    public static async Task<LocalRedis> StartAsync(
        int port = 0, Action<string>? output = null, bool inProcess = false, CancellationToken cancellationToken = default)
    {
        if (port == 0)
        {
            port = FreePort.Next();
        }
        else
        {
            FreePort.EnsureFree(port, "choose another port for Redis, or set ConnectionStrings__redis to use a running server");
        }

        var redis = !inProcess && FindOnPath("redis-server") is { } redisServer
            ? new LocalRedis(port, StartRedisServer(redisServer, port, output), null)
            : new LocalRedis(port, null, StartGarnet(port));
        try
        {
            await redis.WaitUntilListeningAsync(cancellationToken);
            return redis;
        }
        catch
        {
            await redis.DisposeAsync();
            throw;
        }
    }

    private static ChildProcess StartRedisServer(string program, int port, Action<string>? output)
    {
        var startInfo = new ProcessStartInfo(program);
        foreach (var argument in (string[])["--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"])
        {
            startInfo.ArgumentList.Add(argument);
        }

        return ChildProcess.Start(startInfo, output);
    }

    private static GarnetServer StartGarnet(int port)
    {
        var garnet = new GarnetServer(["--port", port.ToString(), "--bind", "127.0.0.1"]);
        garnet.Start();
        return garnet;
    }

    private async Task WaitUntilListeningAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_redisServer is { HasExited: true })
            {
                throw new LocalInfrastructureException($"redis-server exited at start (code {_redisServer.ExitCode}); its output above says why.");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", Port, cancellationToken);
                return;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(50, cancellationToken);
            }
        }
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);

    public async ValueTask DisposeAsync()
    {
        if (_redisServer is not null)
        {
            await _redisServer.StopAsync(PosixSignal.SIGTERM, TimeSpan.FromSeconds(10));
            await _redisServer.DisposeAsync();
        }

        _garnet?.Dispose();
    }
}

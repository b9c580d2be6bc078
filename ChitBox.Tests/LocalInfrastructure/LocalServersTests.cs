using System.Diagnostics;
using System.Net.Sockets;
using ChitBox.LocalInfrastructure;
using ChitBox.Tests.Infrastructure;
using Npgsql;
using StackExchange.Redis;

namespace ChitBox.Tests.LocalInfrastructure;

public sealed class LocalServersTests
{
    [Fact]
    public async Task Postgres_starts_answers_queries_and_stops_leaving_no_process_or_port()
    {
        using var dataDirectory = TemporaryDirectory.Create("pg");
        var postgres = await LocalPostgres.StartAsync(dataDirectory);
        var (pid, port) = (postgres.ProcessId, postgres.Port);

        await using (var connection = new NpgsqlConnection(postgres.ConnectionStringFor("postgres")))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT 41 + 1", connection);
            Assert.Equal(42, (int)(await command.ExecuteScalarAsync())!);
        }

        NpgsqlConnection.ClearAllPools();
        await postgres.DisposeAsync();

        Assert.False(ProcessExists(pid));
        Assert.False(await Loopback.AcceptsConnectionsAsync(port));
    }

    [Fact]
    public async Task Postgres_keeps_its_data_across_a_restart()
    {
        using var dataDirectory = TemporaryDirectory.Create("pg");
        await using (var first = await LocalPostgres.StartAsync(dataDirectory))
        {
            await ExecuteAsync(first.ConnectionStringFor("postgres"), "CREATE TABLE kept (value int); INSERT INTO kept VALUES (7)");
            NpgsqlConnection.ClearAllPools();
        }

        await using var second = await LocalPostgres.StartAsync(dataDirectory);
        await using var connection = new NpgsqlConnection(second.ConnectionStringFor("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT value FROM kept", connection);
        Assert.Equal(7, (int)(await command.ExecuteScalarAsync())!);
        NpgsqlConnection.ClearAllPools();
    }

    [Fact]
    public async Task Postgres_on_a_port_in_use_fails_with_a_message_naming_the_fix()
    {
        using var blocker = new TcpListener(System.Net.IPAddress.Loopback, 0);
        blocker.Start();
        var port = ((System.Net.IPEndPoint)blocker.LocalEndpoint).Port;
        using var dataDirectory = TemporaryDirectory.Create("pg");

        var error = await Assert.ThrowsAsync<LocalInfrastructureException>(
            () => LocalPostgres.StartAsync(dataDirectory, port));

        Assert.Contains("already in use", error.Message);
        Assert.Contains("ConnectionStrings__chitbox", error.Message);
    }

    [Fact]
    public async Task Postgres_with_an_unwritable_data_folder_fails_with_a_message_naming_the_fix()
    {
        var file = Path.GetTempFileName();

        var error = await Assert.ThrowsAsync<LocalInfrastructureException>(
            () => LocalPostgres.StartAsync(Path.Combine(file, "data")));

        Assert.Contains("data folder", error.Message);
    }

    [Fact]
    public async Task Redis_starts_answers_ping_and_stops_leaving_no_port()
    {
        var redis = await LocalRedis.StartAsync();
        var (pid, port) = (redis.ProcessId, redis.Port);

        await using (var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString))
        {
            var latency = await connection.GetDatabase().PingAsync();
            Assert.True(latency >= TimeSpan.Zero);
        }

        await redis.DisposeAsync();

        if (pid is { } redisPid)
        {
            Assert.False(ProcessExists(redisPid));
        }

        Assert.False(await Loopback.AcceptsConnectionsAsync(port));
    }

    [Fact]
    public async Task Garnet_stands_in_for_redis_server_and_carries_pub_sub()
    {
        await using var garnet = await LocalRedis.StartAsync(inProcess: true);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(garnet.ConnectionString);
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var channel = RedisChannel.Literal("chitbox:test");
        await connection.GetSubscriber().SubscribeAsync(channel, (_, message) => received.TrySetResult(message!));

        await connection.GetSubscriber().PublishAsync(channel, "hello");

        Assert.Equal("garnet", garnet.Implementation);
        Assert.Equal("hello", await received.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    private static bool ProcessExists(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

using ChitBox.LocalInfrastructure;
using ChitBox.Mail.Data;

namespace ChitBox.Tests.Infrastructure;

/// <summary>
/// One PostgreSQL cluster and one Redis for the whole test run, started on first use
/// and stopped when the test process exits. Tests isolate their data by registering
/// users with unique addresses, so they can share the servers and run in parallel.
/// <c>ConnectionStrings__chitbox</c> / <c>ConnectionStrings__redis</c>, when set,
/// point the run at existing servers instead.
/// </summary>
public sealed class TestServers
{
    private static readonly Lazy<Task<TestServers>> Shared = new(StartAsync);

    private TestServers(string postgresConnectionString, string redisConnectionString)
    {
        PostgresConnectionString = postgresConnectionString;
        RedisConnectionString = redisConnectionString;
    }

    public string PostgresConnectionString { get; }

    public string RedisConnectionString { get; }

    public static Task<TestServers> GetAsync() => Shared.Value;

    private static async Task<TestServers> StartAsync()
    {
        var postgresConnectionString = Environment.GetEnvironmentVariable("ConnectionStrings__chitbox");
        var redisConnectionString = Environment.GetEnvironmentVariable("ConnectionStrings__redis");
        var running = new List<IAsyncDisposable>();

        if (string.IsNullOrEmpty(postgresConnectionString))
        {
            var postgres = await LocalPostgres.StartAsync(TemporaryDirectory.Create("pg"));
            running.Add(postgres);
            postgresConnectionString = postgres.ConnectionString;
        }

        if (string.IsNullOrEmpty(redisConnectionString))
        {
            var redis = await LocalRedis.StartAsync();
            running.Add(redis);
            redisConnectionString = redis.ConnectionString;
        }

        // In parallel and bounded: the test host does not wait long for exit handlers.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            Task.WhenAll(running.Select(server => server.DisposeAsync().AsTask())).Wait(TimeSpan.FromSeconds(5));
        };

        await using var dataSource = MailDataExtensions.CreateDataSource(postgresConnectionString);
        await MailSchema.MigrateAsync(dataSource, CancellationToken.None);
        return new TestServers(postgresConnectionString, redisConnectionString);
    }
}

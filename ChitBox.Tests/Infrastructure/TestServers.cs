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

    private const string ClusterPrefix = "pg";

    /// <summary>
    /// Deletes the clusters of earlier runs. The test host exits too soon to delete its own
    /// (some 200 MB each); one untouched for a while with no live server is abandoned.
    /// </summary>
    private static void RemoveAbandonedClusters()
    {
        foreach (var directory in Directory.EnumerateDirectories(Path.GetTempPath(), $"chitbox-{ClusterPrefix}-*"))
        {
            var pidFile = Path.Combine(directory, "postmaster.pid");
            var serverAlive = File.Exists(pidFile)
                && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid)
                && Directory.Exists($"/proc/{pid}");
            if (!serverAlive && Directory.GetLastWriteTimeUtc(directory) < DateTime.UtcNow.AddMinutes(-10))
            {
                try
                {
                    Directory.Delete(directory, recursive: true);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                }
            }
        }
    }

    private static async Task<TestServers> StartAsync()
    {
        var postgresConnectionString = Environment.GetEnvironmentVariable("ConnectionStrings__chitbox");
        var redisConnectionString = Environment.GetEnvironmentVariable("ConnectionStrings__redis");
        var running = new List<IAsyncDisposable>();

        if (string.IsNullOrEmpty(postgresConnectionString))
        {
            _ = Task.Run(RemoveAbandonedClusters);
            var postgres = await LocalPostgres.StartAsync(TemporaryDirectory.Create(ClusterPrefix));
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

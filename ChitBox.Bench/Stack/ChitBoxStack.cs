using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using ChitBox.LocalInfrastructure;
using Npgsql;

namespace ChitBox.Bench.Stack;

/// <summary>
/// The whole stack on this machine, private to the bench: a fresh PostgreSQL cluster
/// (synchronous_commit on, fsync on), Redis, the SMTP ingress and one API, the services
/// as child processes from their build output; then the bench users, registered and
/// logged in through the API as a person would.
/// </summary>
public sealed class ChitBoxStack : IAsyncDisposable
{
    private const string Password = "bench-password-1";

    private readonly List<IAsyncDisposable> _running = [];
    private readonly string? _dataDirectory;

    private ChitBoxStack(string dataDirectory) => _dataDirectory = dataDirectory;

    public string DatabaseConnectionString { get; private set; } = "";

    public Uri ApiAddress { get; private set; } = null!;

    public IPEndPoint Smtp { get; private set; } = null!;

    public ServiceProcess Ingress { get; private set; } = null!;

    public ServiceProcess Api { get; private set; } = null!;

    public IReadOnlyList<BenchUser> Users { get; private set; } = [];

    public int PostgresProcessId { get; private set; }

    public int? RedisProcessId { get; private set; }

    /// <param name="maxMessageSize">The ingress's limit; raised above the default so the big-message check fits.</param>
    /// <param name="postgresSettings">
    /// Diagnostic what-ifs (<c>synchronous_commit=off</c>), applied with ALTER SYSTEM before the services start.
    /// </param>
    public static async Task<ChitBoxStack> StartAsync(
        int users, long maxMessageSize, IReadOnlyList<string> postgresSettings, Action<string> log, CancellationToken cancellationToken)
    {
        var stack = new ChitBoxStack(Path.Combine(Path.GetTempPath(), $"chitbox-bench-{Guid.NewGuid():N}"));
        try
        {
            await stack.StartServersAsync(maxMessageSize, postgresSettings, log, cancellationToken);
            stack.Users = await RegisterUsersAsync(stack.ApiAddress, users, cancellationToken);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    private async Task StartServersAsync(
        long maxMessageSize, IReadOnlyList<string> postgresSettings, Action<string> log, CancellationToken cancellationToken)
    {
        log($"postgres: initdb in {_dataDirectory}");
        var postgres = await LocalPostgres.StartAsync(Path.Combine(_dataDirectory!, "postgres"), cancellationToken: cancellationToken);
        _running.Add(postgres);
        var redis = await LocalRedis.StartAsync(cancellationToken: cancellationToken);
        _running.Add(redis);
        DatabaseConnectionString = postgres.ConnectionString;
        PostgresProcessId = postgres.ProcessId;
        RedisProcessId = redis.ProcessId;
        await ApplySettingsAsync(postgres.ConnectionStringFor("postgres"), postgresSettings, log, cancellationToken);
        log($"postgres: {postgres.ConnectionString}; redis: {redis.ConnectionString} ({redis.Implementation})");

        var smtpPort = FreePort.Next();
        var apiPort = FreePort.Next();
        Smtp = new IPEndPoint(IPAddress.Loopback, smtpPort);
        ApiAddress = new Uri($"http://127.0.0.1:{apiPort}");
        var shared = new Dictionary<string, string>
        {
            ["ConnectionStrings__chitbox"] = postgres.ConnectionString,
            ["ConnectionStrings__redis"] = redis.ConnectionString,
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };

        // One after the other: each brings the empty database's schema up to date at start.
        Ingress = await ServiceProcess.StartAsync("chitbox-smtp", "ChitBox.SmtpIngress", FreePort.Next(),
            new Dictionary<string, string>(shared)
            {
                ["SMTP_SERVER_PORT"] = smtpPort.ToString(),
                ["SMTP_SERVER_HOST"] = "127.0.0.1",
                ["Smtp__MaxMessageSize"] = maxMessageSize.ToString(),
            },
            cancellationToken);
        _running.Add(Ingress);
        Api = await ServiceProcess.StartAsync("chitbox-api", "ChitBox.Api", apiPort,
            new Dictionary<string, string>(shared)
            {
                ["Auth__SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)),
                ["CHITBOX_DATA_DIR"] = _dataDirectory!,
            },
            cancellationToken);
        _running.Add(Api);
        log($"chitbox-smtp: smtp://{Smtp} (pid {Ingress.ProcessId}); chitbox-api: {ApiAddress} (pid {Api.ProcessId})");
    }

    private static async Task ApplySettingsAsync(
        string connectionString, IReadOnlyList<string> settings, Action<string> log, CancellationToken cancellationToken)
    {
        if (settings.Count == 0)
        {
            return;
        }

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        foreach (var setting in settings)
        {
            var equals = setting.IndexOf('=');
            var name = setting[..equals].Trim();
            if (equals <= 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                throw new FormatException($"--pg takes name=value, not '{setting}'.");
            }

            await using var alter = new NpgsqlCommand($"ALTER SYSTEM SET {name} = '{setting[(equals + 1)..].Trim().Replace("'", "''")}'", connection);
            await alter.ExecuteNonQueryAsync(cancellationToken);
            log($"postgres: what-if {name} = {setting[(equals + 1)..].Trim()}");
        }

        await using var reload = new NpgsqlCommand("SELECT pg_reload_conf()", connection);
        await reload.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Writes out everything earlier loads left dirty, so that the next cell pays only for its
    /// own work. Without it the kernel writes back data pages 30 s after they were dirtied,
    /// hundreds of megabytes at once, and a fresh cluster zero-fills and fsyncs a new 16 MB WAL
    /// segment for every 16 MB of WAL: commits stall behind both, in whichever cell happens to
    /// be running. After a checkpoint the used segments are recycled instead.
    /// </summary>
    public static async Task CheckpointAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        // After a 25 MB cell there may be gigabytes to write.
        await using var checkpoint = new NpgsqlCommand("CHECKPOINT", connection) { CommandTimeout = 600 };
        await checkpoint.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<IReadOnlyList<BenchUser>> RegisterUsersAsync(Uri api, int count, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = api };
        var users = new List<BenchUser>(count);
        for (var i = 0; i < count; i++)
        {
            var email = $"bench-{i}-{Guid.NewGuid():N}@chitbox.local";
            using (var register = await http.PostAsJsonAsync("/api/auth/register", new { email, password = Password }, cancellationToken))
            {
                if (!register.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException(
                        $"Registering {email} answered {(int)register.StatusCode}: {await register.Content.ReadAsStringAsync(cancellationToken)}");
                }
            }

            using var login = await http.PostAsJsonAsync("/api/auth/login", new { email, password = Password }, cancellationToken);
            login.EnsureSuccessStatusCode();
            var token = await login.Content.ReadFromJsonAsync<LoginResponse>(cancellationToken);
            users.Add(new BenchUser(email, token?.AccessToken ?? throw new InvalidOperationException("Login gave no accessToken.")));
        }

        return users;
    }

    /// <summary>Services first (SIGTERM, so they drain), then Redis and PostgreSQL; the data folder is deleted.</summary>
    public async ValueTask DisposeAsync()
    {
        for (var i = _running.Count - 1; i >= 0; i--)
        {
            await _running[i].DisposeAsync();
        }

        _running.Clear();
        if (_dataDirectory is not null && Directory.Exists(_dataDirectory))
        {
            try
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    private sealed record LoginResponse(string? AccessToken);
}

/// <summary>A registered user the bench sends mail to, with the token its SignalR listener uses.</summary>
public sealed record BenchUser(string Email, string AccessToken);

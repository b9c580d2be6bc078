using ChitBox.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ChitBox.Tests.Api;

/// <summary>
/// An API instance on a database of its own, so a test can cut that database's connections
/// (as a PostgreSQL restart does) without touching the tests that share the main one.
/// </summary>
public sealed class OwnDatabaseApi : IAsyncLifetime
{
    private EmptyDatabase? _database;

    public ApiFactory Factory { get; private set; } = null!;

    private EmptyDatabase Database => _database ?? throw new InvalidOperationException("Not initialized.");

    public async Task InitializeAsync()
    {
        _database = await EmptyDatabase.CreateAsync();
        Factory = new ApiFactory().WithSetting("ConnectionStrings:chitbox", _database.ConnectionString);
        await Factory.InitializeAsync();
    }

    /// <summary>Leaves <paramref name="count"/> open connections idle in the API's pool.</summary>
    public async Task FillPoolAsync(int count)
    {
        var dataSource = Factory.Services.GetRequiredService<NpgsqlDataSource>();
        var connections = await Task.WhenAll(Enumerable.Range(0, count).Select(_ => dataSource.OpenConnectionAsync().AsTask()));
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }
    }

    /// <summary>Terminates every server process of the API's database and waits until they are gone; returns how many there were.</summary>
    public async Task<int> TerminateConnectionsAsync()
    {
        await using var connection = await OpenAdminConnectionAsync();
        // In the select list, not the WHERE clause: there PostgreSQL may call it before the
        // database filter, on every other test's connections too.
        await using var command = new NpgsqlCommand(
            "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE datname = $1", connection);
        command.Parameters.Add(new() { Value = Database.Name });
        await using var reader = await command.ExecuteReaderAsync();
        var terminated = 0;
        while (await reader.ReadAsync())
        {
            terminated += reader.GetBoolean(0) ? 1 : 0;
        }

        return terminated;
    }

    /// <summary>Terminates one server process, as PostgreSQL does when it shuts down, and waits until it is gone.</summary>
    public async Task TerminateConnectionAsync(int processId)
    {
        await using var connection = await OpenAdminConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT pg_terminate_backend($1, 10000)", connection);
        command.Parameters.Add(new() { Value = processId });
        Assert.True((bool)(await command.ExecuteScalarAsync())!);
    }

    /// <summary>While refused, every new connection to the API's database fails, as while PostgreSQL starts up.</summary>
    public async Task RefuseConnectionsAsync(bool refuse)
    {
        await using var connection = await OpenAdminConnectionAsync();
        await using var command = new NpgsqlCommand($"ALTER DATABASE {Database.Name} ALLOW_CONNECTIONS {(refuse ? "false" : "true")}", connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<NpgsqlConnection> OpenAdminConnectionAsync()
    {
        var servers = await TestServers.GetAsync();
        var admin = new NpgsqlConnectionStringBuilder(servers.PostgresConnectionString) { Database = "postgres", Pooling = false };
        var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}

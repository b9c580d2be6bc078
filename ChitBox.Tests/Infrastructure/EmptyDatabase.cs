using Npgsql;

namespace ChitBox.Tests.Infrastructure;

/// <summary>A freshly created database on the shared test cluster, dropped on dispose.</summary>
public sealed class EmptyDatabase : IAsyncDisposable
{
    private readonly string _adminConnectionString;

    private EmptyDatabase(string adminConnectionString, string name, string connectionString)
    {
        _adminConnectionString = adminConnectionString;
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    /// <param name="create">False to leave the database missing, for code that must create it.</param>
    public static async Task<EmptyDatabase> CreateAsync(bool create = true)
    {
        var servers = await TestServers.GetAsync();
        var name = "test_" + Guid.NewGuid().ToString("N");
        var admin = new NpgsqlConnectionStringBuilder(servers.PostgresConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;
        if (create)
        {
            await ExecuteAsync(admin, $"CREATE DATABASE {name}");
        }

        var target = new NpgsqlConnectionStringBuilder(servers.PostgresConnectionString) { Database = name }.ConnectionString;
        return new EmptyDatabase(admin, name, target);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(_adminConnectionString, $"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
    }
}

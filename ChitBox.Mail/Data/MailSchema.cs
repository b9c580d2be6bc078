using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace ChitBox.Mail.Data;

/// <summary>Brings the database schema up to date, safely when several services start at once.</summary>
public static class MailSchema
{
    // Any constant shared by every ChitBox process; "chitbox" in ASCII.
    private const long MigrationLockKey = 0x6368_6974_626f_78;

    /// <summary>
    /// Creates the database when it is missing, then applies pending migrations while
    /// holding a session advisory lock, so concurrent starters migrate one after another.
    /// </summary>
    public static async Task MigrateAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await OpenCreatingDatabaseAsync(dataSource, cancellationToken);
        await ExecuteAsync(connection, $"SELECT pg_advisory_lock({MigrationLockKey})", cancellationToken);
        try
        {
            var options = new DbContextOptionsBuilder<MailDbContext>();
            options.UseNpgsql(connection, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history"))
                .UseSnakeCaseNamingConvention();
            await using var db = new MailDbContext(options.Options);
            await db.Database.MigrateAsync(cancellationToken);
        }
        finally
        {
            await ExecuteAsync(connection, $"SELECT pg_advisory_unlock({MigrationLockKey})", CancellationToken.None);
        }
    }

    private static async Task<NpgsqlConnection> OpenCreatingDatabaseAsync(
        NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        try
        {
            return await dataSource.OpenConnectionAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidCatalogName)
        {
            await CreateDatabaseAsync(dataSource.ConnectionString, cancellationToken);
            return await dataSource.OpenConnectionAsync(cancellationToken);
        }
    }

    private static async Task CreateDatabaseAsync(string connectionString, CancellationToken cancellationToken)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        var database = target.Database ?? throw new InvalidOperationException("The connection string names no database.");
        var maintenance = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(maintenance.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        try
        {
            var quoted = "\"" + database.Replace("\"", "\"\"") + "\"";
            await ExecuteAsync(connection, "CREATE DATABASE " + quoted, cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
        {
            // Another service created it first.
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

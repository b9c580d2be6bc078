using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChitBox.Mail.Data;

/// <summary>
/// Migrates the schema in <see cref="StartAsync"/>: hosted services start before the
/// server listens, so no request or SMTP session meets an old schema.
/// </summary>
internal sealed partial class MailSchemaInitializer(NpgsqlDataSource dataSource, ILogger<MailSchemaInitializer> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var target = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        try
        {
            await MailSchema.MigrateAsync(dataSource, cancellationToken);
            LogSchemaReady(target.Host, target.Port, target.Database);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException(
                $"Cannot reach PostgreSQL at {target.Host}:{target.Port} (database '{target.Database}'): {e.Message}. " +
                "Start it, or point ConnectionStrings__chitbox at a reachable server.", e);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Mail schema is up to date on {Host}:{Port}/{Database}")]
    private partial void LogSchemaReady(string? host, int port, string? database);
}

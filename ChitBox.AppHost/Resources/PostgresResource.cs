using ChitBox.AppHost.Hosting;
using ChitBox.LocalInfrastructure;
using ChitBox.Mail.Data;

namespace ChitBox.AppHost.Resources;

/// <summary>
/// The mail database: the server from <c>ConnectionStrings__chitbox</c> when set, else a
/// local cluster whose data lives under the AppHost's data folder. The schema is brought
/// up to date before any service starts.
/// </summary>
public sealed class PostgresResource(string name, string? externalConnectionString, string dataDirectory) : IConnectionStringResource
{
    private readonly TaskCompletionSource<string> _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private LocalPostgres? _local;

    public string Name => name;

    public string ConnectionName => MailDataExtensions.ConnectionName;

    public string ConnectionString { get; private set; } = "";

    public string Address { get; private set; } = "";

    public Task<string> Stopped => _stopped.Task;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (externalConnectionString is null)
        {
            _local = await LocalPostgres.StartAsync(dataDirectory, output: ResourceOutput.For(name), cancellationToken: cancellationToken);
            ConnectionString = _local.ConnectionString;
            Address = $"postgresql://127.0.0.1:{_local.Port}/{LocalPostgres.DatabaseName} (data in {dataDirectory})";
        }
        else
        {
            ConnectionString = externalConnectionString;
            Address = "external, from ConnectionStrings__chitbox";
        }

        await using var dataSource = MailDataExtensions.CreateDataSource(ConnectionString);
        try
        {
            await MailSchema.MigrateAsync(dataSource, cancellationToken);
        }
        catch (Npgsql.NpgsqlException e)
        {
            throw new InvalidOperationException(
                $"Cannot bring the schema up to date: {e.Message}. Check that PostgreSQL is reachable (ConnectionStrings__chitbox).", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_local is not null)
        {
            await _local.DisposeAsync();
        }

        _stopped.TrySetResult("stopped");
    }
}

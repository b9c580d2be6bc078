using ChitBox.AppHost.Hosting;
using ChitBox.LocalInfrastructure;
using ChitBox.Mail.Notifications;

namespace ChitBox.AppHost.Resources;

/// <summary>The notification bus: <c>ConnectionStrings__redis</c> when set, else a local Redis.</summary>
public sealed class RedisResource(string name, string? externalConnectionString) : IConnectionStringResource
{
    private readonly TaskCompletionSource<string> _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private LocalRedis? _local;

    public string Name => name;

    public string ConnectionName => MailNotificationsExtensions.ConnectionName;

    public string ConnectionString { get; private set; } = "";

    public string Address { get; private set; } = "";

    public Task<string> Stopped => _stopped.Task;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (externalConnectionString is null)
        {
            _local = await LocalRedis.StartAsync(output: ResourceOutput.For(name), cancellationToken: cancellationToken);
            ConnectionString = _local.ConnectionString;
            Address = $"redis://{_local.ConnectionString} ({_local.Implementation})";
        }
        else
        {
            ConnectionString = externalConnectionString;
            Address = "external, from ConnectionStrings__redis";
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

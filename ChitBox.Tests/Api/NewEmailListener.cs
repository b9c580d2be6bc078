using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChitBox.Tests.Api;

/// <summary>A real SignalR client on <c>/hubs/mail</c>, collecting every <c>new_email</c> it receives.</summary>
public sealed class NewEmailListener : IAsyncDisposable
{
    private readonly HubConnection _connection;
    private readonly Channel<JsonElement> _received = Channel.CreateUnbounded<JsonElement>();

    private NewEmailListener(HubConnection connection)
    {
        _connection = connection;
        connection.On<JsonElement>("new_email", payload => _received.Writer.TryWrite(payload));
    }

    public static async Task<NewEmailListener> ConnectAsync(Uri apiAddress, TestUser user, HttpTransportType transports = HttpTransportType.WebSockets | HttpTransportType.ServerSentEvents | HttpTransportType.LongPolling)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(apiAddress, "/hubs/mail"), transports, options => options.AccessTokenProvider = () => Task.FromResult<string?>(user.AccessToken))
            .Build();
        var listener = new NewEmailListener(connection);
        await connection.StartAsync();
        return listener;
    }

    public async Task<JsonElement> NextAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        return await _received.Reader.ReadAsync(cancellation.Token);
    }

    public bool TryNext(out JsonElement payload) => _received.Reader.TryRead(out payload);

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}

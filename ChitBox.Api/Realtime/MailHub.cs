using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace ChitBox.Api.Realtime;

/// <summary>
/// Server-to-client only: <see cref="NewEmailEvent"/> arrives as <c>new_email</c>.
/// Connections are grouped by user id (<see cref="UserIdProvider"/>).
/// </summary>
[Authorize]
public sealed class MailHub(LocalConnections connections) : Hub
{
    public const string Path = "/hubs/mail";
    public const string NewEmailMethod = "new_email";

    public override Task OnConnectedAsync()
    {
        connections.Add(Context.UserIdentifier);
        return base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        connections.Remove(Context.UserIdentifier);
        return base.OnDisconnectedAsync(exception);
    }
}

using ChitBox.Api.Auth;
using Microsoft.AspNetCore.SignalR;

namespace ChitBox.Api.Realtime;

/// <summary>A connection's user is the token's subject, the same id the events carry.</summary>
public sealed class UserIdProvider : IUserIdProvider
{
    public string? GetUserId(HubConnectionContext connection) => connection.User.FindFirst(CurrentUser.UserIdClaim)?.Value;
}

using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;

namespace ChitBox.Api.Auth;

public static class CurrentUser
{
    /// <summary>The claim holding the user id: the token's subject.</summary>
    public const string UserIdClaim = JwtRegisteredClaimNames.Sub;

    /// <summary>The signed-in user's id; only on endpoints that require authorization.</summary>
    public static Guid GetUserId(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirst(UserIdClaim)?.Value, out var id)
            ? id
            : throw new InvalidOperationException("The access token carries no user id.");
}

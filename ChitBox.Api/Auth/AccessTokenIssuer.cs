using ChitBox.Mail.Users;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChitBox.Api.Auth;

/// <summary>Makes the HS256 bearer tokens the API accepts.</summary>
public sealed class AccessTokenIssuer(IOptions<AuthOptions> options, TimeProvider timeProvider)
{
    private readonly JsonWebTokenHandler _handler = new();

    public AccessTokenResponse Issue(User user)
    {
        var settings = options.Value;
        var now = timeProvider.GetUtcNow();
        // JWT times are whole seconds: answer the expiry the token really carries.
        var expires = DateTimeOffset.FromUnixTimeSeconds((now + settings.AccessTokenLifetime).ToUnixTimeSeconds());
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = settings.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(settings.CreateSigningKey(), SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object>
            {
                [CurrentUser.UserIdClaim] = user.Id.ToString(),
                [JwtRegisteredClaimNames.Email] = user.Email,
                [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
            },
        });
        return new AccessTokenResponse(token, expires);
    }
}

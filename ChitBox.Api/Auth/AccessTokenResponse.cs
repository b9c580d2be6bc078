namespace ChitBox.Api.Auth;

public sealed record AccessTokenResponse(string AccessToken, DateTimeOffset ExpiresAt);

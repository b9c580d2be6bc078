using ChitBox.Mail.Users;

namespace ChitBox.Api.Auth;

public sealed record UserResponse(Guid Id, string Email, string? DisplayName)
{
    public static UserResponse From(User user) => new(user.Id, user.Email, user.DisplayName);
}

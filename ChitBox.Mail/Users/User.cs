namespace ChitBox.Mail.Users;

/// <summary>A registered mailbox owner.</summary>
public sealed class User
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    /// <summary>The address as the user registered it.</summary>
    public required string Email { get; set; }

    /// <summary>The address lower-cased: the key for case-insensitive lookup.</summary>
    public required string NormalizedEmail { get; set; }

    public string? DisplayName { get; set; }

    public required string PasswordHash { get; set; }

    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;

    public static string Normalize(string email) => email.Trim().ToLowerInvariant();
}

using System.Text;

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

    /// <summary>
    /// The lookup key: trimmed, composed (NFC, as RFC 6530 10.1 recommends: a decomposed "ü"
    /// names the same mailbox as a composed one) and lower-cased.
    /// </summary>
    public static string Normalize(string email)
    {
        email = email.Trim();
        if (!email.IsNormalized(NormalizationForm.FormC))
        {
            email = email.Normalize(NormalizationForm.FormC);
        }

        return email.ToLowerInvariant();
    }
}

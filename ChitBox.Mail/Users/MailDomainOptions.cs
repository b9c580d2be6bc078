using System.ComponentModel.DataAnnotations;

namespace ChitBox.Mail.Users;

/// <summary>The domains ChitBox receives mail for; a user's address must be in one of them.</summary>
public sealed class MailDomainOptions
{
    public const string SectionName = "Mail";

    [MinLength(1)]
    public string[] LocalDomains { get; set; } = ["chitbox.local", "localhost"];

    public bool IsLocal(string domain) =>
        LocalDomains.Any(local => string.Equals(local, domain, StringComparison.OrdinalIgnoreCase));
}

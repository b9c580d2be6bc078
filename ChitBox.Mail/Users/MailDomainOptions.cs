using System.ComponentModel.DataAnnotations;

namespace ChitBox.Mail.Users;

/// <summary>
/// The domains ChitBox receives mail for (configuration section <c>Mail</c>,
/// e.g. <c>Mail__LocalDomains__0=example.org</c>). A user's address must be in one;
/// the ingress accepts recipients only there.
/// </summary>
public sealed class MailDomainOptions
{
    public const string SectionName = "Mail";

    /// <summary>Used when configuration names none.</summary>
    public static readonly IReadOnlyList<string> DefaultLocalDomains = ["chitbox.local", "localhost"];

    /// <summary>
    /// Empty here, not pre-filled: the configuration binder appends to a collection it
    /// finds filled, so <see cref="MailDomainExtensions.AddMailDomains"/> applies
    /// <see cref="DefaultLocalDomains"/> only when configuration gives none.
    /// </summary>
    [Required]
    public List<string> LocalDomains { get; set; } = [];

    /// <summary>Whether <paramref name="domain"/> (any case, optional trailing dot) is local.</summary>
    public bool IsLocalDomain(string domain)
    {
        var candidate = domain.Trim().TrimEnd('.');
        return candidate.Length > 0
            && LocalDomains.Any(local => string.Equals(local.Trim().TrimEnd('.'), candidate, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Whether the address's domain part (after the last '@') is local.</summary>
    public bool IsLocalAddress(string email)
    {
        var at = email.LastIndexOf('@');
        return at > 0 && at < email.Length - 1 && IsLocalDomain(email[(at + 1)..]);
    }
}

using System.ComponentModel.DataAnnotations;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace ChitBox.Api.Auth;

/// <summary>Access tokens and the login limits (configuration section <c>Auth</c>).</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>
    /// The HS256 secret every instance of a deployment shares (<c>Auth__SigningKey</c>).
    /// Required outside Development; in Development one is made once and kept in the data folder.
    /// </summary>
    [Required(ErrorMessage =
        "Auth:SigningKey is not set. Outside Development it is required: set Auth__SigningKey to the same " +
        "random secret (at least 32 characters, e.g. `openssl rand -base64 48`) on every API instance.")]
    [MinLength(32, ErrorMessage = "Auth:SigningKey must have at least 32 characters (256 bits for HS256).")]
    public string? SigningKey { get; set; }

    [Required]
    public string Issuer { get; set; } = "chitbox";

    [Required]
    public string Audience { get; set; } = "chitbox-api";

    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>Failed logins for one account within <see cref="FailedLoginWindow"/> before 429.</summary>
    [Range(1, 1_000_000)]
    public int MaxFailedLoginsPerAccount { get; set; } = 5;

    /// <summary>Failed logins from one client address within <see cref="FailedLoginWindow"/> before 429.</summary>
    [Range(1, 1_000_000)]
    public int MaxFailedLoginsPerClient { get; set; } = 20;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan FailedLoginWindow { get; set; } = TimeSpan.FromMinutes(15);

    public SymmetricSecurityKey CreateSigningKey() =>
        new(Encoding.UTF8.GetBytes(SigningKey ?? throw new InvalidOperationException("Auth:SigningKey is not set.")));
}

using System.Collections.Concurrent;
using System.Text;
using ChitBox.Mail.Users;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChitBox.SmtpIngress.Delivery;

/// <summary>
/// Answers RCPT from a cache of address lookups, so a busy ingress does not pay a
/// database round trip per recipient. A found user is kept for
/// <see cref="FoundLifetime"/> (accounts are never deleted); a miss only for
/// <see cref="MissingLifetime"/>, which bounds how long a just-registered address can
/// still be refused.
/// </summary>
public sealed class RecipientDirectory(NpgsqlDataSource dataSource, IOptions<MailDomainOptions> domains, TimeProvider time)
    : IRecipientDirectory
{
    public static readonly TimeSpan FoundLifetime = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan MissingLifetime = TimeSpan.FromSeconds(2);

    // Random unknown addresses must not grow the cache without bound.
    private const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<string, CachedLookup> _cache = new(StringComparer.Ordinal);

    public async ValueTask<RecipientCheck> CheckAsync(string address, CancellationToken cancellationToken)
    {
        if (address.Equals("postmaster", StringComparison.OrdinalIgnoreCase))
        {
            // RFC 5321 4.5.1: <Postmaster> without a domain must be accepted; it is the first local domain's.
            address = $"postmaster@{domains.Value.LocalDomains[0]}";
        }

        var at = address.LastIndexOf('@');
        if (at <= 0 || at == address.Length - 1)
        {
            return RecipientCheck.Unknown;
        }

        if (!domains.Value.IsLocalDomain(address[(at + 1)..]))
        {
            return RecipientCheck.Relay;
        }

        var normalized = User.Normalize(WithoutNeedlessQuotes(address, at));
        var userId = await FindUserAsync(normalized, cancellationToken);
        if (userId is null && WithoutSubaddress(normalized) is { } plain)
        {
            userId = await FindUserAsync(plain, cancellationToken);
        }

        return userId is { } id ? RecipientCheck.For(id) : RecipientCheck.Unknown;
    }

    /// <summary>
    /// <c>"alice"@domain</c> is <c>alice@domain</c>: a quoted local part that would be a valid
    /// dot-atom unquoted names the same mailbox (RFC 5321 4.1.2).
    /// </summary>
    private static string WithoutNeedlessQuotes(string address, int at)
    {
        if (at < 2 || address[0] != '"' || address[at - 1] != '"')
        {
            return address;
        }

        var local = new StringBuilder(at);
        for (var i = 1; i < at - 1; i++)
        {
            // A quoted pair stands for its second character.
            local.Append(address[i] == '\\' && i + 1 < at - 1 ? address[++i] : address[i]);
        }

        var unquoted = local.ToString();
        return unquoted.Length > 0 && unquoted.Split('.').All(atom => atom.Length > 0 && atom.All(IsAtomText))
            ? string.Concat(unquoted, address.AsSpan(at))
            : address;
    }

    /// <summary>atext (RFC 5322 3.2.3), and any non-ASCII character (RFC 6531).</summary>
    private static bool IsAtomText(char c) =>
        char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~".Contains(c) || c > 127;

    /// <summary><c>alice+tag@domain</c> delivers to <c>alice@domain</c>.</summary>
    private static string? WithoutSubaddress(string normalized)
    {
        var at = normalized.LastIndexOf('@');
        var plus = normalized.IndexOf('+');
        return plus > 0 && plus < at ? string.Concat(normalized.AsSpan(0, plus), normalized.AsSpan(at)) : null;
    }

    private async ValueTask<Guid?> FindUserAsync(string normalizedEmail, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(normalizedEmail, out var cached) && cached.ExpiresAt > now)
        {
            return cached.UserId;
        }

        Guid? userId;
        try
        {
            await using var command = dataSource.CreateCommand("SELECT id FROM users WHERE normalized_email = $1");
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = normalizedEmail });
            userId = await command.ExecuteScalarAsync(cancellationToken) as Guid?;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw new DeliveryUnavailableException("The user directory is unavailable.", e);
        }

        if (_cache.Count >= MaxEntries)
        {
            _cache.Clear();
        }

        _cache[normalizedEmail] = new CachedLookup(userId, now + (userId is null ? MissingLifetime : FoundLifetime));
        return userId;
    }

    private readonly record struct CachedLookup(Guid? UserId, DateTimeOffset ExpiresAt);
}

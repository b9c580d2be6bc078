using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace ChitBox.Api.Auth;

/// <summary>
/// Counts failed logins per client address and per account in fixed windows. Only failures
/// count and only failures are refused: the password is checked first, the right one always
/// logs in (and clears its account's count), and a wrong one over a limit gets 429 with
/// <c>Retry-After</c> instead of 401 until the window ends. Counts are kept per instance.
/// </summary>
public sealed class LoginThrottle(IOptions<AuthOptions> options, TimeProvider timeProvider)
{
    private const int PruneThreshold = 100_000;

    private readonly ConcurrentDictionary<string, FailureWindow> _windows = new();

    /// <summary>How long a client that failed should wait before trying again, or null when it is under both limits.</summary>
    public TimeSpan? RetryAfter(string clientAddress, string account)
    {
        var settings = options.Value;
        var now = timeProvider.GetUtcNow();
        var byClient = Blocked(ClientKey(clientAddress), settings.MaxFailedLoginsPerClient, now);
        var byAccount = Blocked(AccountKey(account), settings.MaxFailedLoginsPerAccount, now);
        return (byClient, byAccount) switch
        {
            (null, var onlyAccount) => onlyAccount,
            (var onlyClient, null) => onlyClient,
            var (both, other) => both > other ? both : other,
        };
    }

    public void RecordFailure(string clientAddress, string account)
    {
        var now = timeProvider.GetUtcNow();
        if (_windows.Count > PruneThreshold)
        {
            Prune(now);
        }

        Count(ClientKey(clientAddress), now);
        Count(AccountKey(account), now);
    }

    /// <summary>A correct password clears the account's failures (not the client's).</summary>
    public void RecordSuccess(string account) => _windows.TryRemove(AccountKey(account), out _);

    private static string ClientKey(string clientAddress) => "client:" + clientAddress;

    private static string AccountKey(string account) => "account:" + account;

    private TimeSpan? Blocked(string key, int limit, DateTimeOffset now)
    {
        if (!_windows.TryGetValue(key, out var window))
        {
            return null;
        }

        lock (window)
        {
            var ends = window.Start + options.Value.FailedLoginWindow;
            return now < ends && window.Failures >= limit ? ends - now : null;
        }
    }

    private void Count(string key, DateTimeOffset now)
    {
        var window = _windows.GetOrAdd(key, _ => new FailureWindow(now));
        lock (window)
        {
            if (now >= window.Start + options.Value.FailedLoginWindow)
            {
                window.Start = now;
                window.Failures = 0;
            }

            window.Failures++;
        }
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, window) in _windows)
        {
            if (now >= window.Start + options.Value.FailedLoginWindow)
            {
                _windows.TryRemove(key, out _);
            }
        }
    }

    private sealed class FailureWindow(DateTimeOffset start)
    {
        public DateTimeOffset Start { get; set; } = start;

        public int Failures { get; set; }
    }
}

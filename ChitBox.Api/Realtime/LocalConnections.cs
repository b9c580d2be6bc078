using System.Collections.Concurrent;

namespace ChitBox.Api.Realtime;

/// <summary>How many hub connections each user has on this instance.</summary>
public sealed class LocalConnections
{
    private readonly ConcurrentDictionary<string, int> _byUser = new(StringComparer.Ordinal);

    public bool Has(string userId) => _byUser.ContainsKey(userId);

    public void Add(string? userId)
    {
        if (userId is not null)
        {
            _byUser.AddOrUpdate(userId, 1, (_, count) => count + 1);
        }
    }

    public void Remove(string? userId)
    {
        if (userId is null)
        {
            return;
        }

        // Decrement, and forget the user at zero; retried if another thread got there first.
        while (_byUser.TryGetValue(userId, out var count))
        {
            if (count <= 1
                ? _byUser.TryRemove(new KeyValuePair<string, int>(userId, count))
                : _byUser.TryUpdate(userId, count - 1, count))
            {
                return;
            }
        }
    }
}

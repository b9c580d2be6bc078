using System.Net;
using ChitBox.SmtpIngress.Protocol;
using Microsoft.Extensions.Options;

namespace ChitBox.SmtpIngress.Transport;

/// <summary>
/// Counts open SMTP connections in total and per client address. Loopback clients are exempt
/// from the per-client limit (as Postfix exempts its own networks), not from the total.
/// </summary>
public sealed class SmtpConnectionLimiter(IOptions<SmtpOptions> options)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<IPAddress, int> _perClient = [];
    private int _total;

    /// <summary>Connections open now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _total;
            }
        }
    }

    /// <summary>Takes a slot for a new connection, or says which 421 to send.</summary>
    /// <returns>A lease to dispose when the connection closes; null when refused.</returns>
    public IDisposable? TryAcquire(IPAddress? client, out SmtpReply? refusal)
    {
        var limits = options.Value;
        var key = client is null || IPAddress.IsLoopback(client) ? null
            : client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client;
        lock (_gate)
        {
            if (_total >= limits.MaxConnections)
            {
                refusal = SmtpReplies.TooManyConnections(limits.HostName);
                return null;
            }

            if (key is not null)
            {
                _perClient.TryGetValue(key, out var count);
                if (count >= limits.MaxConnectionsPerClient)
                {
                    refusal = SmtpReplies.TooManyConnectionsFromClient(limits.HostName);
                    return null;
                }

                _perClient[key] = count + 1;
            }

            _total++;
        }

        refusal = null;
        return new Lease(this, key);
    }

    private void Release(IPAddress? key)
    {
        lock (_gate)
        {
            _total--;
            if (key is not null && _perClient.TryGetValue(key, out var count))
            {
                if (count <= 1)
                {
                    _perClient.Remove(key);
                }
                else
                {
                    _perClient[key] = count - 1;
                }
            }
        }
    }

    private sealed class Lease(SmtpConnectionLimiter limiter, IPAddress? key) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                limiter.Release(key);
            }
        }
    }
}

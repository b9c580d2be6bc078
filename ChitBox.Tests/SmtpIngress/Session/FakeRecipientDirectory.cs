using System.Collections.Concurrent;
using ChitBox.SmtpIngress.Delivery;

namespace ChitBox.Tests.SmtpIngress.Session;

/// <summary>Local domain chitbox.local; users added by address; anything else is a relay attempt.</summary>
internal sealed class FakeRecipientDirectory : IRecipientDirectory
{
    private readonly ConcurrentDictionary<string, Guid> _users = new(StringComparer.OrdinalIgnoreCase);

    public Exception? Failure { get; set; }

    public Guid Add(string address, Guid? userId = null)
    {
        var id = userId ?? Guid.NewGuid();
        _users[address] = id;
        return id;
    }

    public ValueTask<RecipientCheck> CheckAsync(string address, CancellationToken cancellationToken)
    {
        if (Failure is not null)
        {
            throw Failure;
        }

        if (_users.TryGetValue(address, out var id))
        {
            return ValueTask.FromResult(RecipientCheck.For(id));
        }

        return ValueTask.FromResult(
            address.EndsWith("@chitbox.local", StringComparison.OrdinalIgnoreCase) ? RecipientCheck.Unknown : RecipientCheck.Relay);
    }
}

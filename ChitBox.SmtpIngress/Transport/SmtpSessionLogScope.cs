using System.Collections;

namespace ChitBox.SmtpIngress.Transport;

/// <summary>The logging scope of one SMTP connection: <c>SessionId</c> and <c>RemoteEndPoint</c>.</summary>
internal sealed class SmtpSessionLogScope(string sessionId, string? remoteEndPoint) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public int Count => 2;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("SessionId", sessionId),
        1 => new("RemoteEndPoint", remoteEndPoint),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        yield return this[0];
        yield return this[1];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"SMTP {sessionId} {remoteEndPoint}";
}

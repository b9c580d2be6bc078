using System.Net;

namespace ChitBox.SmtpIngress.Delivery;

/// <summary>
/// One complete SMTP transaction, handed to delivery after the end of data.
/// <see cref="Recipients"/> holds one entry per user, however many of their addresses were named.
/// </summary>
public sealed record IncomingMessage(
    string SessionId,
    EndPoint? RemoteEndPoint,
    string ClientHelo,
    bool IsTls,
    bool IsSmtpUtf8,
    string ReversePath,
    IReadOnlyList<AcceptedRecipient> Recipients,
    MessageSpool Spool,
    DateTimeOffset ReceivedAt);

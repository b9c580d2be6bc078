using Microsoft.Extensions.Logging;

namespace ChitBox.SmtpIngress.Session;

/// <summary>
/// Log events of a session. What goes wrong is logged at Information and above; the routine
/// (sessions, commands, accepted messages) at Debug, as ASP.NET Core does for requests:
/// traces and metrics follow every message, and a console line per message cost a
/// contended lock in every session under load. Addresses appear only at Debug; bodies never.
/// </summary>
internal static partial class SmtpSessionLog
{
    [LoggerMessage(1000, LogLevel.Debug, "SMTP session from {RemoteEndPoint} started")]
    public static partial void SessionStarted(ILogger logger, string? remoteEndPoint);

    [LoggerMessage(1001, LogLevel.Debug, "SMTP session ended: {Reason}")]
    public static partial void SessionEnded(ILogger logger, string reason);

    [LoggerMessage(1002, LogLevel.Debug, "C: {Verb}")]
    public static partial void CommandReceived(ILogger logger, string verb);

    [LoggerMessage(1003, LogLevel.Debug, "S: {Code} {EnhancedCode}")]
    public static partial void ReplySent(ILogger logger, int code, string? enhancedCode);

    [LoggerMessage(1004, LogLevel.Debug, "Recipient {Address}: {Status}")]
    public static partial void RecipientChecked(ILogger logger, string address, string status);

    [LoggerMessage(1005, LogLevel.Debug, "Message {MessageId} accepted: {Size} octets for {RecipientCount} recipient(s)")]
    public static partial void MessageAccepted(ILogger logger, string messageId, long size, int recipientCount);

    [LoggerMessage(1006, LogLevel.Information, "Message refused with {Code} ({Reason}) after {Size} octets")]
    public static partial void MessageRefused(ILogger logger, int code, string reason, long size);

    [LoggerMessage(1007, LogLevel.Warning, "Delivery failed; answered 451")]
    public static partial void DeliveryFailed(ILogger logger, Exception exception);

    [LoggerMessage(1008, LogLevel.Warning, "Recipient lookup failed; answered 451")]
    public static partial void RecipientLookupFailed(ILogger logger, Exception exception);

    [LoggerMessage(1009, LogLevel.Information, "Client timed out; closing")]
    public static partial void TimedOut(ILogger logger);

    [LoggerMessage(1010, LogLevel.Warning, "Too many errors ({Errors}); closing")]
    public static partial void TooManyErrors(ILogger logger, int errors);

    [LoggerMessage(1011, LogLevel.Information, "Server stopping; closing session")]
    public static partial void ShuttingDown(ILogger logger);

    [LoggerMessage(1012, LogLevel.Information, "TLS started")]
    public static partial void TlsStarted(ILogger logger);

    [LoggerMessage(1013, LogLevel.Information, "TLS handshake failed; closing")]
    public static partial void TlsFailed(ILogger logger, Exception exception);

    [LoggerMessage(1014, LogLevel.Error, "Unexpected error in SMTP session; closing")]
    public static partial void UnexpectedError(ILogger logger, Exception exception);

    [LoggerMessage(1015, LogLevel.Debug, "Plaintext after STARTTLS discarded: {Octets} octets")]
    public static partial void DiscardedAfterStartTls(ILogger logger, long octets);

    [LoggerMessage(1016, LogLevel.Error, "Cannot write the message spool; the message will be answered 451")]
    public static partial void SpoolFailed(ILogger logger, Exception exception);
}

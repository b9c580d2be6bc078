namespace ChitBox.SmtpIngress.Delivery;

/// <summary>Everything <see cref="MessageStore"/> files for one SMTP transaction.</summary>
/// <param name="Raw">The spooled bytes, seekable; read from <paramref name="RawStart"/>.</param>
/// <param name="Recipients">Per user, the trace headers to serve before the raw bytes.</param>
public sealed record MessageToStore(
    Guid RawMessageId,
    Stream Raw,
    long RawStart,
    long RawLength,
    DateTimeOffset ReceivedAt,
    ParsedMessage Parsed,
    IReadOnlyList<(Guid UserId, string TraceHeaders)> Recipients);

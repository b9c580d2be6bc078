namespace ChitBox.SmtpIngress.Delivery;

/// <summary>An attachment found in the spool: where its encoded content lies, and what it is.</summary>
public sealed record ParsedAttachment(
    string? FileName,
    string ContentType,
    long Size,
    string? ContentId,
    bool IsInline,
    long ContentOffset,
    long ContentLength,
    string? TransferEncoding);

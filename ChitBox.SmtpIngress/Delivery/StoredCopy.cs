namespace ChitBox.SmtpIngress.Delivery;

/// <summary>One recipient's copy, as committed.</summary>
public sealed record StoredCopy(Guid UserId, Guid FolderId, Guid MessageId, Guid ThreadId, DateTimeOffset CreatedAt);

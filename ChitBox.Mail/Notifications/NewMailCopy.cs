namespace ChitBox.Mail.Notifications;

/// <summary>One recipient's copy of a new message: whose it is, and where it was filed.</summary>
public sealed record NewMailCopy(Guid UserId, Guid FolderId, Guid MessageId, Guid ThreadId);

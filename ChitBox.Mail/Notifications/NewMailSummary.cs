namespace ChitBox.Mail.Notifications;

/// <summary>The <c>email</c> object of the contract's <c>new_email</c> payload.</summary>
public sealed record NewMailSummary(
    Guid Id,
    Guid ThreadId,
    string? FromEmail,
    string? FromName,
    string? Subject,
    string? BodyText,
    string? BodyHtml,
    bool IsRead,
    DateTimeOffset SentAt,
    DateTimeOffset CreatedAt);

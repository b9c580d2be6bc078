namespace ChitBox.Mail.Notifications;

/// <summary>What every copy of a new message shares, for the contract's <c>new_email</c> payload.</summary>
public sealed record NewMailContent(
    string? FromEmail,
    string? FromName,
    string? Subject,
    JsonString? BodyText,
    string? BodyHtml,
    DateTimeOffset SentAt,
    DateTimeOffset CreatedAt);

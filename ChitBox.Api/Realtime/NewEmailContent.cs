using ChitBox.Mail.Notifications;

namespace ChitBox.Api.Realtime;

/// <summary>
/// The <c>email</c> of a <c>new_email</c> event, its own type so a field added to the
/// Redis event never reaches clients unchosen. <see cref="BodyHtml"/> is sanitized;
/// <see cref="BodyText"/> goes out as the event carried it.
/// </summary>
public sealed record NewEmailContent(
    Guid Id,
    Guid ThreadId,
    string? FromEmail,
    string? FromName,
    string? Subject,
    JsonString? BodyText,
    string? BodyHtml,
    bool IsRead,
    DateTimeOffset SentAt,
    DateTimeOffset CreatedAt)
{
    /// <summary>A new message is unread.</summary>
    public static NewEmailContent From(NewMailCopy copy, NewMailContent content, string? safeBodyHtml) => new(
        copy.MessageId, copy.ThreadId, content.FromEmail, content.FromName, content.Subject,
        content.BodyText, safeBodyHtml, IsRead: false, content.SentAt, content.CreatedAt);
}

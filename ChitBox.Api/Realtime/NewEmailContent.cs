using ChitBox.Mail.Notifications;

namespace ChitBox.Api.Realtime;

/// <summary>
/// The <c>email</c> of a <c>new_email</c> event, its own type so a field added to the
/// Redis event never reaches clients unchosen. <see cref="BodyHtml"/> is sanitized.
/// </summary>
public sealed record NewEmailContent(
    Guid Id,
    Guid ThreadId,
    string? FromEmail,
    string? FromName,
    string? Subject,
    string? BodyText,
    string? BodyHtml,
    bool IsRead,
    DateTimeOffset SentAt,
    DateTimeOffset CreatedAt)
{
    public static NewEmailContent From(NewMailSummary email, string? safeBodyHtml) => new(
        email.Id, email.ThreadId, email.FromEmail, email.FromName, email.Subject,
        email.BodyText, safeBodyHtml, email.IsRead, email.SentAt, email.CreatedAt);
}

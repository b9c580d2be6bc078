namespace ChitBox.Mail.Notifications;

/// <summary>What every copy of a new message shares, for the contract's <c>new_email</c> payload.</summary>
/// <param name="BodiesOmitted">
/// The bodies were too long to travel through Redis: the API reads them from the stored
/// message instead. Pub/sub buffers whole events, and Redis drops a subscriber whose buffer
/// outgrows its limit (32 MB by default): a burst of megabyte bodies would cost events.
/// </param>
public sealed record NewMailContent(
    string? FromEmail,
    string? FromName,
    string? Subject,
    JsonString? BodyText,
    string? BodyHtml,
    DateTimeOffset SentAt,
    DateTimeOffset CreatedAt,
    bool BodiesOmitted = false)
{
    /// <summary>Bodies longer than this, together, are left for the API to read from the database.</summary>
    public const int MaxInlineBodyChars = 128 * 1024;

    public static NewMailContent Create(
        string? fromEmail, string? fromName, string? subject, string? bodyText, string? bodyHtml,
        DateTimeOffset sentAt, DateTimeOffset createdAt)
    {
        var omit = (bodyText?.Length ?? 0) + (bodyHtml?.Length ?? 0) > MaxInlineBodyChars;
        return omit
            ? new NewMailContent(fromEmail, fromName, subject, null, null, sentAt, createdAt, BodiesOmitted: true)
            : new NewMailContent(fromEmail, fromName, subject, JsonString.From(bodyText), bodyHtml, sentAt, createdAt);
    }
}

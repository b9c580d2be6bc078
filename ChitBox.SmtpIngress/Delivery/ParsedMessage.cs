using ChitBox.Mail.Messages;

namespace ChitBox.SmtpIngress.Delivery;

/// <summary>The fields pulled out of a received message for listing, threading and display.</summary>
public sealed record ParsedMessage(
    string? FromEmail,
    string? FromName,
    IReadOnlyList<MailAddress> To,
    IReadOnlyList<MailAddress> Cc,
    string? Subject,
    string? Snippet,
    string? BodyText,
    string? BodyHtml,
    string? MessageId,
    string? InReplyTo,
    IReadOnlyList<string> References,
    DateTimeOffset? Date,
    IReadOnlyList<ParsedAttachment> Attachments,
    IReadOnlyList<string> Problems)
{
    /// <summary>Nothing but the problems: the raw message alone carries the mail.</summary>
    public static ParsedMessage Unreadable(IReadOnlyList<string> problems) =>
        new(null, null, [], [], null, null, null, null, null, null, [], null, [], problems);
}

using ChitBox.Mail.Messages;

namespace ChitBox.Api.Messages;

/// <summary>The summary fields plus what reading a message needs; <see cref="BodyHtml"/> is sanitized.</summary>
public sealed record MessageDetail(
    Guid Id,
    Guid ThreadId,
    Guid FolderId,
    string? FromEmail,
    string? FromName,
    string? Subject,
    string? Snippet,
    bool IsRead,
    bool HasAttachments,
    DateTimeOffset SentAt,
    DateTimeOffset CreatedAt,
    IReadOnlyList<MailAddress> To,
    IReadOnlyList<MailAddress> Cc,
    string? BodyText,
    string? BodyHtml,
    string? MessageId,
    string? InReplyTo,
    IReadOnlyList<AttachmentResponse> Attachments)
{
    public static MessageDetail From(MailMessage m, HtmlBodySanitizer sanitizer) => new(
        m.Id, m.ThreadId, m.FolderId, m.FromEmail, m.FromName, m.Subject, m.Snippet,
        m.IsRead, m.HasAttachments, m.SentAt, m.CreatedAt,
        m.To, m.Cc, m.BodyText, sanitizer.Sanitize(m.BodyHtml), m.MessageId, m.InReplyTo,
        m.Attachments.OrderBy(a => a.ContentOffset).Select(AttachmentResponse.From).ToList());
}

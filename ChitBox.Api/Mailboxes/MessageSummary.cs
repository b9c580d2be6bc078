using System.Linq.Expressions;
using ChitBox.Mail.Messages;

namespace ChitBox.Api.Mailboxes;

/// <summary>A message as listed: the contract's summary. <see cref="Messages.MessageDetail"/> extends it.</summary>
public record MessageSummary(
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
    DateTimeOffset CreatedAt)
{
    /// <summary>The projection EF Core translates, so listing never loads bodies.</summary>
    public static readonly Expression<Func<MailMessage, MessageSummary>> Projection = m => new MessageSummary(
        m.Id, m.ThreadId, m.FolderId, m.FromEmail, m.FromName, m.Subject, m.Snippet,
        m.IsRead, m.HasAttachments, m.SentAt, m.CreatedAt);

    private static readonly Func<MailMessage, MessageSummary> Project = Projection.Compile();

    /// <summary>The summary of a message already loaded.</summary>
    public static MessageSummary From(MailMessage message) => Project(message);
}

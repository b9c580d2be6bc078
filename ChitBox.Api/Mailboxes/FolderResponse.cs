using ChitBox.Mail.Folders;

namespace ChitBox.Api.Mailboxes;

/// <param name="Kind">Served as its lower-case name (<c>inbox</c>, <c>trash</c>, ...).</param>
public sealed record FolderResponse(Guid Id, string Name, FolderKind Kind, int UnreadCount, int TotalCount);

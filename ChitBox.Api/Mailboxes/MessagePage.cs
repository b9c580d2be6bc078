namespace ChitBox.Api.Mailboxes;

/// <param name="NextCursor">Pass as <c>cursor</c> for the next page; null on the last page.</param>
public sealed record MessagePage(IReadOnlyList<MessageSummary> Items, string? NextCursor);

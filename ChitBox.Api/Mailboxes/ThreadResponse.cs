namespace ChitBox.Api.Mailboxes;

public sealed record ThreadResponse(Guid Id, string? Subject, IReadOnlyList<MessageSummary> Messages);

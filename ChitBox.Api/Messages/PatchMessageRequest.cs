namespace ChitBox.Api.Messages;

/// <summary>Absent (or null) fields are left as they are.</summary>
public sealed record PatchMessageRequest(bool? IsRead, Guid? FolderId);

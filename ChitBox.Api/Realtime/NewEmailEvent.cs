namespace ChitBox.Api.Realtime;

/// <summary>The contract's <c>new_email</c> payload: <c>{ folderId, email }</c>.</summary>
public sealed record NewEmailEvent(Guid FolderId, NewEmailContent Email);

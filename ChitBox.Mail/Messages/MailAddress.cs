namespace ChitBox.Mail.Messages;

/// <summary>An address from a To or Cc header.</summary>
public sealed record MailAddress(string Email, string? Name);

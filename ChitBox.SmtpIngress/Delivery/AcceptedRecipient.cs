namespace ChitBox.SmtpIngress.Delivery;

/// <summary>A forward-path accepted at RCPT, and the user it delivers to.</summary>
public sealed record AcceptedRecipient(string Address, Guid UserId);

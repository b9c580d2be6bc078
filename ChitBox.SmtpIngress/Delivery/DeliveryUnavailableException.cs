namespace ChitBox.SmtpIngress.Delivery;

/// <summary>Storage could not take the message now; the client should try again later (451 4.3.0).</summary>
public sealed class DeliveryUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

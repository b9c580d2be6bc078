namespace ChitBox.SmtpIngress.Delivery;

/// <summary>Files a received message for every accepted recipient, atomically.</summary>
public interface IMessageDelivery
{
    /// <summary>
    /// Returns only after the message is durably committed for every recipient. Throws
    /// when it could not be stored (for example <see cref="DeliveryUnavailableException"/>);
    /// nothing is stored then, and the session answers 451 4.3.0.
    /// </summary>
    /// <returns>The queue id to put in <c>250 2.0.0 &lt;id&gt;</c>.</returns>
    Task<string> DeliverAsync(IncomingMessage message, CancellationToken cancellationToken);
}

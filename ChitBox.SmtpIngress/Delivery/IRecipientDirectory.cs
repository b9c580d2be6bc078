namespace ChitBox.SmtpIngress.Delivery;

/// <summary>Decides at RCPT whether an address belongs to a registered user.</summary>
public interface IRecipientDirectory
{
    /// <param name="address">The forward-path mailbox, e.g. <c>alice+tag@chitbox.local</c>.</param>
    ValueTask<RecipientCheck> CheckAsync(string address, CancellationToken cancellationToken);
}

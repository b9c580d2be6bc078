namespace ChitBox.SmtpIngress.Delivery;

/// <summary>The answer for one RCPT; <see cref="UserId"/> is set when accepted.</summary>
public readonly record struct RecipientCheck(RecipientStatus Status, Guid UserId)
{
    public static RecipientCheck Unknown => new(RecipientStatus.UnknownUser, Guid.Empty);

    public static RecipientCheck Relay => new(RecipientStatus.RelayDenied, Guid.Empty);

    public static RecipientCheck For(Guid userId) => new(RecipientStatus.Accepted, userId);
}

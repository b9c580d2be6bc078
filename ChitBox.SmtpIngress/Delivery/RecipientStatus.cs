namespace ChitBox.SmtpIngress.Delivery;

public enum RecipientStatus
{
    /// <summary>A registered user in a local domain: 250 2.1.5.</summary>
    Accepted,

    /// <summary>A local domain, but no such user: 550 5.1.1.</summary>
    UnknownUser,

    /// <summary>Not a local domain (relay attempt): 550 5.7.1.</summary>
    RelayDenied,
}

namespace ChitBox.SmtpIngress.Session;

/// <summary>Where an SMTP session is; see the table in <see cref="SmtpSession"/>.</summary>
public enum SmtpSessionState
{
    /// <summary>Greeting sent (or TLS just started); waiting for EHLO/HELO.</summary>
    Greeted,

    /// <summary>EHLO/HELO done, no transaction.</summary>
    Ready,

    /// <summary>MAIL accepted, no recipient accepted yet.</summary>
    MailFrom,

    /// <summary>At least one recipient accepted.</summary>
    RcptTo,

    /// <summary>BDAT chunks arriving (RFC 3030); only BDAT, RSET, EHLO/HELO, NOOP… are legal.</summary>
    Chunking,
}

namespace ChitBox.SmtpIngress.Protocol;

/// <summary>The <c>BODY=</c> parameter of MAIL (RFC 6152, RFC 3030).</summary>
public enum MailBodyType
{
    /// <summary>No BODY parameter, or <c>BODY=7BIT</c>.</summary>
    SevenBit,

    /// <summary><c>BODY=8BITMIME</c>.</summary>
    EightBitMime,

    /// <summary><c>BODY=BINARYMIME</c>: only BDAT may carry the message.</summary>
    BinaryMime,
}

namespace ChitBox.SmtpIngress.Protocol;

/// <summary>
/// <c>MAIL FROM:&lt;reverse-path&gt; [SIZE=n] [BODY=…] [SMTPUTF8]</c>.
/// <see cref="ReversePath"/> is the mailbox without angle brackets or source route; empty for the null path <c>&lt;&gt;</c>.
/// </summary>
public sealed record MailCommand(string ReversePath, long? Size, MailBodyType Body, bool SmtpUtf8) : SmtpCommand
{
    public override string Verb => "MAIL";
}

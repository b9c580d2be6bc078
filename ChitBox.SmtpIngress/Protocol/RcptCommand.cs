namespace ChitBox.SmtpIngress.Protocol;

/// <summary><c>RCPT TO:&lt;forward-path&gt;</c>; the mailbox without angle brackets or source route.</summary>
public sealed record RcptCommand(string ForwardPath) : SmtpCommand
{
    public override string Verb => "RCPT";
}

namespace ChitBox.SmtpIngress.Protocol;

/// <summary><c>EHLO &lt;domain or address literal&gt;</c>.</summary>
public sealed record EhloCommand(string ClientName) : SmtpCommand
{
    public override string Verb => "EHLO";
}

namespace ChitBox.SmtpIngress.Protocol;

/// <summary><c>HELO &lt;domain&gt;</c>.</summary>
public sealed record HeloCommand(string ClientName) : SmtpCommand
{
    public override string Verb => "HELO";
}

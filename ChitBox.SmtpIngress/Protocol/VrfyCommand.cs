namespace ChitBox.SmtpIngress.Protocol;

/// <summary><c>VRFY &lt;string&gt;</c>; answered with 252 whatever the argument.</summary>
public sealed record VrfyCommand(string Argument) : SmtpCommand
{
    public override string Verb => "VRFY";
}

namespace ChitBox.SmtpIngress.Protocol;

/// <summary><c>BDAT &lt;size&gt; [LAST]</c> (RFC 3030): exactly <see cref="Size"/> octets follow the command line.</summary>
public sealed record BdatCommand(long Size, bool Last) : SmtpCommand
{
    public override string Verb => "BDAT";
}

namespace ChitBox.SmtpIngress.Protocol;

/// <summary><c>HELP [topic]</c>.</summary>
public sealed record HelpCommand(string? Topic) : SmtpCommand
{
    public override string Verb => "HELP";
}

namespace ChitBox.SmtpIngress.Protocol;

/// <summary><c>QUIT</c>.</summary>
public sealed record QuitCommand : SmtpCommand
{
    public static readonly QuitCommand Instance = new();

    public override string Verb => "QUIT";
}

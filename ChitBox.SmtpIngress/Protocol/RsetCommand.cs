namespace ChitBox.SmtpIngress.Protocol;

/// <summary><c>RSET</c>.</summary>
public sealed record RsetCommand : SmtpCommand
{
    public static readonly RsetCommand Instance = new();

    public override string Verb => "RSET";
}

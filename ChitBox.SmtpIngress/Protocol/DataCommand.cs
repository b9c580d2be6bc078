namespace ChitBox.SmtpIngress.Protocol;

/// <summary><c>DATA</c>.</summary>
public sealed record DataCommand : SmtpCommand
{
    public static readonly DataCommand Instance = new();

    public override string Verb => "DATA";
}

namespace ChitBox.SmtpIngress.Protocol;

/// <summary><c>NOOP [string]</c>; the argument is ignored.</summary>
public sealed record NoopCommand : SmtpCommand
{
    public static readonly NoopCommand Instance = new();

    public override string Verb => "NOOP";
}

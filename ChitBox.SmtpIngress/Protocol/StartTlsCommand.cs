namespace ChitBox.SmtpIngress.Protocol;

/// <summary><c>STARTTLS</c> (RFC 3207).</summary>
public sealed record StartTlsCommand : SmtpCommand
{
    public static readonly StartTlsCommand Instance = new();

    public override string Verb => "STARTTLS";
}

namespace ChitBox.SmtpIngress.Protocol;

/// <summary>A parsed SMTP command. Commands are data; the session executes them.</summary>
public abstract record SmtpCommand
{
    /// <summary>The verb in upper case, for logs and telemetry.</summary>
    public abstract string Verb { get; }
}

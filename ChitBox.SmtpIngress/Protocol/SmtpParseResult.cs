using System.Diagnostics.CodeAnalysis;

namespace ChitBox.SmtpIngress.Protocol;

/// <summary>Either a command or the error reply to send instead.</summary>
public readonly record struct SmtpParseResult
{
    private SmtpParseResult(SmtpCommand? command, SmtpReply? error)
    {
        Command = command;
        Error = error;
    }

    public SmtpCommand? Command { get; }

    public SmtpReply? Error { get; }

    [MemberNotNullWhen(true, nameof(Command))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Command is not null;

    public static SmtpParseResult Success(SmtpCommand command) => new(command, null);

    public static SmtpParseResult Failure(SmtpReply error) => new(null, error);

    public static implicit operator SmtpParseResult(SmtpCommand command) => Success(command);

    public static implicit operator SmtpParseResult(SmtpReply error) => Failure(error);
}

namespace ChitBox.Bench.Load;

/// <summary>One complete (possibly multi-line) SMTP reply: its code and its lines' text.</summary>
public readonly record struct SmtpReply(int Code, string Text)
{
    public bool IsPositive => Code is >= 200 and < 400;

    public bool IsTransient => Code is >= 400 and < 500;

    /// <summary>421: the server is closing the connection.</summary>
    public bool ClosesConnection => Code == 421;

    public override string ToString() => $"{Code} {Text}";
}

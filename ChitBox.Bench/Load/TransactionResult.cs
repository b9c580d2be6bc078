namespace ChitBox.Bench.Load;

/// <summary>
/// The outcome of one attempt: the reply that decided it (the final 250, or the first
/// refusal), the time from end of data to that reply, and when the reply arrived
/// (a <see cref="System.Diagnostics.Stopwatch"/> timestamp, 0 when no data was sent).
/// </summary>
public readonly record struct TransactionResult(SmtpReply Reply, TimeSpan Latency, long RepliedAt)
{
    public bool Accepted => Reply.Code is >= 200 and < 300;
}

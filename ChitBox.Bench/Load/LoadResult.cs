namespace ChitBox.Bench.Load;

/// <summary>What one load cell did, before any server-side measurement is added.</summary>
public sealed record LoadResult(
    LoadCell Cell,
    string RunId,
    int Attempted,
    int Accepted,
    long TransientReplies,
    int Rejected,
    int GaveUp,
    long ConnectionErrors,
    TimeSpan Elapsed,
    IReadOnlyList<double> TimeTo250Milliseconds,
    IReadOnlyList<AcceptedMessage> AcceptedMessages)
{
    public double MessagesPerSecond => Elapsed > TimeSpan.Zero ? Accepted / Elapsed.TotalSeconds : 0;
}

/// <summary>A message the server accepted with 250, and when the 250 arrived (Stopwatch timestamp).</summary>
public readonly record struct AcceptedMessage(MessageToken Token, string Recipient, long RepliedAt);

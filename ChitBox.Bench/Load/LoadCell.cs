namespace ChitBox.Bench.Load;

/// <summary>
/// One load to apply: message size, session mode, concurrent connections, and when to stop
/// (after <see cref="Messages"/> messages or <see cref="Duration"/>, whichever comes first).
/// With <see cref="Rate"/>, messages start on a fixed schedule of that many per second
/// across all connections instead of as fast as replies come back.
/// </summary>
public sealed record LoadCell(
    int Index,
    long Size,
    SessionMode Mode,
    int Concurrency,
    int Messages,
    TimeSpan Duration,
    double? Rate = null,
    bool UseBdat = false)
{
    public string Describe() =>
        $"{new MessageSize(Size)} {(Mode == SessionMode.Reuse ? "reuse" : "per-conn")} c{Concurrency}" +
        (Rate is { } rate ? $" @{rate:0}/s" : "");
}

namespace ChitBox.Bench.Load;

/// <summary>Live counters of the running load, read by the progress display.</summary>
public sealed class LoadProgress
{
    private long _accepted;
    private long _transient;
    private long _rejected;
    private long _connectionErrors;

    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>4xx replies (each one retried, never counted as accepted).</summary>
    public long Transient => Interlocked.Read(ref _transient);

    /// <summary>Messages refused with a 5xx.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    public long ConnectionErrors => Interlocked.Read(ref _connectionErrors);

    internal void AddAccepted() => Interlocked.Increment(ref _accepted);

    internal void AddTransient() => Interlocked.Increment(ref _transient);

    internal void AddRejected() => Interlocked.Increment(ref _rejected);

    internal void AddConnectionError() => Interlocked.Increment(ref _connectionErrors);
}

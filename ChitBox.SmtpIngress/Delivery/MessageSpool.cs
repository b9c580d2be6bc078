namespace ChitBox.SmtpIngress.Delivery;

/// <summary>
/// Holds one message's bytes while DATA or BDAT streams in: in memory up to a
/// threshold, then in a temporary file, so a large message never sits in the heap.
/// </summary>
public sealed class MessageSpool : IAsyncDisposable
{
    // TODO(protocol): implemented with the DATA/BDAT reader.
    public long Length => throw new NotImplementedException();

    /// <summary>A seekable read stream over everything written, from the start.</summary>
    public Stream OpenRead() => throw new NotImplementedException();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

using System.Collections.Concurrent;
using ChitBox.SmtpIngress.Delivery;

namespace ChitBox.Tests.SmtpIngress.Session;

/// <summary>Records each delivered message with its bytes (read while the spool is alive).</summary>
internal sealed class FakeMessageDelivery : IMessageDelivery
{
    public ConcurrentQueue<(IncomingMessage Message, byte[] Content, bool WasInMemory)> Delivered { get; } = new();

    public Exception? Failure { get; set; }

    /// <summary>When set, delivery waits for it (to hold a transaction in flight).</summary>
    public TaskCompletionSource? Gate { get; set; }

    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<string> DeliverAsync(IncomingMessage message, CancellationToken cancellationToken)
    {
        Entered.TrySetResult();
        if (Gate is not null)
        {
            await Gate.Task.WaitAsync(cancellationToken);
        }

        if (Failure is not null)
        {
            throw Failure;
        }

        await using var stream = message.Spool.OpenRead();
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, cancellationToken);
        Delivered.Enqueue((message, copy.ToArray(), message.Spool.IsInMemory));
        return $"Q{Delivered.Count:D4}";
    }
}

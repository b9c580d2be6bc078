using System.Collections.Concurrent;

namespace ChitBox.Tests.SmtpIngress.Session;

/// <summary>
/// A synchronization context the test pumps by hand. Code started under it resumes only inside
/// <see cref="RunNext"/>, one continuation at a time, so a test sees what one turn on a thread did.
/// </summary>
internal sealed class HandPumpedContext : SynchronizationContext
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _posted = [];

    public override void Post(SendOrPostCallback d, object? state) => _posted.Add((d, state));

    public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException();

    public T Run<T>(Func<T> start)
    {
        var previous = Current;
        SetSynchronizationContext(this);
        try
        {
            return start();
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }

    /// <summary>Runs the next continuation posted, waiting for one (other threads may post).</summary>
    public void RunNext()
    {
        if (!_posted.TryTake(out var next, Patience))
        {
            throw new TimeoutException("Nothing to run.");
        }

        Run(() =>
        {
            next.Callback(next.State);
            return 0;
        });
    }

    public void RunUntil(Func<bool> done)
    {
        while (!done())
        {
            RunNext();
        }
    }
}

using ChitBox.SmtpIngress.Transport;
using Microsoft.Extensions.Options;

namespace ChitBox.SmtpIngress.Delivery;

/// <summary>Parses a spooled message, files a copy per recipient atomically, then announces them.</summary>
public sealed partial class MailDelivery(
    MessageStore store, NewMailPublisher publisher, IOptions<SmtpOptions> options, ILogger<MailDelivery> logger) : IMessageDelivery
{
    // Parsing and filing take time in proportion to the message, and this may be running on a
    // socket's event thread (InlineSocketCompletions): a larger message moves to the thread pool
    // first, so that the other sessions served by that thread are not held up while it is parsed.
    private const long InlineWorkLimit = 32 * 1024;

    public async Task<string> DeliverAsync(IncomingMessage message, CancellationToken cancellationToken)
    {
        if (message.Spool.Length > InlineWorkLimit)
        {
            await Task.Yield();
        }

        await using var spool = message.Spool.OpenRead();
        var parsed = await MessageParser.ParseAsync(spool, cancellationToken);

        var rawMessageId = Guid.CreateVersion7();
        var queueId = rawMessageId.ToString("N");
        var recipients = message.Recipients
            .Select(r => (r.UserId, TraceHeader.For(message, options.Value.HostName, queueId, r.Address)))
            .ToList();

        IReadOnlyList<StoredCopy> copies;
        using (SmtpTelemetry.ActivitySource.StartActivity("smtp.message.store"))
        {
            copies = await store.StoreAsync(
                new MessageToStore(rawMessageId, spool, 0, message.Spool.Length, message.ReceivedAt, parsed, recipients),
                cancellationToken);
        }

        LogStored(queueId, copies.Count, message.Spool.Length, parsed.Problems.Count);
        // The trace context of this span travels with the event to the API that pushes it.
        using (SmtpTelemetry.ActivitySource.StartActivity("smtp.message.announce"))
        {
            publisher.Publish(copies, parsed);
        }

        return queueId;
    }

    // Debug, like the session's own line for each accepted message: routine, not a problem.
    [LoggerMessage(Level = LogLevel.Debug, Message = "Stored {QueueId} for {Recipients} recipient(s), {Size} octets, {Problems} parse problem(s)")]
    private partial void LogStored(string queueId, int recipients, long size, int problems);
}

using System.Diagnostics;
using System.Threading.Channels;
using ChitBox.Mail.Notifications;
using StackExchange.Redis;

namespace ChitBox.SmtpIngress.Delivery;

/// <summary>
/// Announces committed messages on Redis, once per message for all its copies, for the API
/// instances to push. Sessions only queue the event; one loop serializes and publishes, so
/// sessions never contend on the Redis connection. Fire and forget: the mail is already
/// stored, so a Redis outage costs live events (the oldest queued are dropped past
/// <see cref="QueueLimit"/>), never messages; clients catch up through the API.
/// </summary>
public sealed partial class NewMailPublisher(IConnectionMultiplexer redis, ILogger<NewMailPublisher> logger) : BackgroundService
{
    private const int QueueLimit = 10_000;
    private static readonly RedisChannel Channel = RedisChannel.Literal(NewMailEvent.Channel);

    private readonly Channel<NewMailEvent> _queue = System.Threading.Channels.Channel.CreateBounded<NewMailEvent>(
        new BoundedChannelOptions(QueueLimit) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public void Publish(IReadOnlyList<StoredCopy> copies, ParsedMessage parsed)
    {
        var receivedAt = copies[0].CreatedAt;
        var activity = Activity.Current;
        _queue.Writer.TryWrite(new NewMailEvent(
            [.. copies.Select(c => new NewMailCopy(c.UserId, c.FolderId, c.MessageId, c.ThreadId))],
            NewMailContent.Create(parsed.FromEmail, parsed.FromName, parsed.Subject, parsed.BodyText, parsed.BodyHtml,
                (parsed.Date ?? receivedAt).ToUniversalTime(), receivedAt),
            activity?.Id,
            activity?.TraceStateString));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var subscriber = redis.GetSubscriber();
        await foreach (var notification in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await subscriber.PublishAsync(Channel, notification.Serialize(), CommandFlags.FireAndForget);
            }
            catch (Exception e) when (e is RedisException or ObjectDisposedException)
            {
                LogPublishFailed(e, notification.Copies[0].MessageId);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not announce message {MessageId}; it is stored and listed")]
    private partial void LogPublishFailed(Exception exception, Guid messageId);
}

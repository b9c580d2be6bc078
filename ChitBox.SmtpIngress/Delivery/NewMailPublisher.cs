using System.Diagnostics;
using ChitBox.Mail.Notifications;
using StackExchange.Redis;

namespace ChitBox.SmtpIngress.Delivery;

/// <summary>
/// Announces a committed message on Redis, once for all its copies, for the API
/// instances to push. Fire and forget: the mail is already stored, so a Redis outage
/// costs the live event, never the message; clients catch up through the API.
/// </summary>
public sealed partial class NewMailPublisher(IConnectionMultiplexer redis, ILogger<NewMailPublisher> logger)
{
    private static readonly RedisChannel Channel = RedisChannel.Literal(NewMailEvent.Channel);

    public void Publish(IReadOnlyList<StoredCopy> copies, ParsedMessage parsed)
    {
        var receivedAt = copies[0].CreatedAt;
        var activity = Activity.Current;
        var notification = new NewMailEvent(
            [.. copies.Select(c => new NewMailCopy(c.UserId, c.FolderId, c.MessageId, c.ThreadId))],
            new NewMailContent(parsed.FromEmail, parsed.FromName, parsed.Subject, parsed.BodyText, parsed.BodyHtml,
                (parsed.Date ?? receivedAt).ToUniversalTime(), receivedAt),
            activity?.Id,
            activity?.TraceStateString);
        try
        {
            redis.GetSubscriber().Publish(Channel, notification.Serialize(), CommandFlags.FireAndForget);
        }
        catch (Exception e) when (e is RedisException or ObjectDisposedException)
        {
            LogPublishFailed(e, copies[0].MessageId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not announce message {MessageId}; it is stored and listed")]
    private partial void LogPublishFailed(Exception exception, Guid messageId);
}

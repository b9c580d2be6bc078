using System.Diagnostics;
using ChitBox.Mail.Notifications;
using StackExchange.Redis;

namespace ChitBox.SmtpIngress.Delivery;

/// <summary>
/// Announces committed copies on Redis for the API instances to push. Fire and forget:
/// the mail is already stored, so a Redis outage costs the live event, never the
/// message; clients catch up through the API.
/// </summary>
public sealed partial class NewMailPublisher(IConnectionMultiplexer redis, ILogger<NewMailPublisher> logger)
{
    private static readonly RedisChannel Channel = RedisChannel.Literal(NewMailEvent.Channel);

    public void Publish(StoredCopy copy, ParsedMessage parsed)
    {
        var activity = Activity.Current;
        var notification = new NewMailEvent(
            copy.UserId,
            copy.FolderId,
            new NewMailSummary(copy.MessageId, copy.ThreadId, parsed.FromEmail, parsed.FromName, parsed.Subject,
                parsed.BodyText, parsed.BodyHtml, IsRead: false, (parsed.Date ?? copy.CreatedAt).ToUniversalTime(), copy.CreatedAt),
            activity?.Id,
            activity?.TraceStateString);
        try
        {
            redis.GetSubscriber().Publish(Channel, notification.Serialize(), CommandFlags.FireAndForget);
        }
        catch (Exception e) when (e is RedisException or ObjectDisposedException)
        {
            LogPublishFailed(e, copy.MessageId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not announce message {MessageId}; it is stored and listed")]
    private partial void LogPublishFailed(Exception exception, Guid messageId);
}

using System.Diagnostics;
using ChitBox.Api.Messages;
using ChitBox.Mail.Notifications;
using Microsoft.AspNetCore.SignalR;
using Npgsql;
using StackExchange.Redis;

namespace ChitBox.Api.Realtime;

/// <summary>
/// Listens on the Redis channel the ingress publishes to and pushes each event to this
/// instance's own connections of the recipient. Every instance gets every event from the
/// channel, so no SignalR backplane is used (it would deliver twice). While Redis is down
/// HTTP keeps working and pushes pause; clients catch up by listing their Inbox.
/// </summary>
public sealed partial class NewMailPushService(
    IServiceProvider services,
    IHubContext<MailHub> hub,
    HtmlBodySanitizer sanitizer,
    NpgsqlDataSource dataSource,
    LocalConnections connections,
    ApiTelemetry telemetry,
    ILogger<NewMailPushService> logger) : BackgroundService
{
    private static readonly TimeSpan SubscribeRetryDelay = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan BodyReadTimeout = TimeSpan.FromSeconds(5);

    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the channel subscription is in place.</summary>
    public Task Listening => _listening.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Resolved here, not in the constructor: connecting must not hold up start-up.
        await Task.Yield();
        var redis = services.GetRequiredService<IConnectionMultiplexer>();
        var subscriber = redis.GetSubscriber();
        var channel = RedisChannel.Literal(NewMailEvent.Channel);

        ChannelMessageQueue? queue = null;
        while (queue is null && !stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Once subscribed, StackExchange.Redis re-subscribes after every reconnect.
                queue = await subscriber.SubscribeAsync(channel);
                _listening.TrySetResult();
                LogSubscribed(NewMailEvent.Channel);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                LogSubscribeFailed(e, NewMailEvent.Channel);
                await Task.Delay(SubscribeRetryDelay, stoppingToken);
            }
        }

        if (queue is null)
        {
            return;
        }

        try
        {
            await foreach (var message in queue.WithCancellation(stoppingToken))
            {
                await PushAsync(message.Message, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            try
            {
                await queue.UnsubscribeAsync();
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // Shutting down with Redis unreachable: nothing to undo.
            }
        }
    }

    private async Task PushAsync(RedisValue message, CancellationToken cancellationToken)
    {
        NewMailEvent? newMail;
        try
        {
            newMail = message.HasValue ? NewMailEvent.Deserialize((byte[])message!) : null;
        }
        catch (System.Text.Json.JsonException e)
        {
            LogUnreadableEvent(e);
            return;
        }

        if (newMail is null)
        {
            LogUnreadableEvent(null);
            return;
        }

        // Every instance hears every event: only users connected here concern this one.
        var local = newMail.Copies.Where(c => connections.Has(c.UserId.ToString())).ToList();
        if (local.Count == 0)
        {
            return;
        }

        // Continue the SMTP session's trace: the event carries its W3C context.
        ActivityContext.TryParse(newMail.TraceParent, newMail.TraceState, isRemote: true, out var parent);
        using var activity = ApiTelemetry.ActivitySource.StartActivity("push new_email", ActivityKind.Consumer, parent);
        activity?.SetTag("messaging.system", "redis");
        activity?.SetTag("messaging.destination.name", NewMailEvent.Channel);
        activity?.SetTag("chitbox.recipients", local.Count);

        var content = newMail.Content.BodiesOmitted
            ? await WithStoredBodiesAsync(newMail.Content, local[0].MessageId, cancellationToken)
            : newMail.Content;
        var safeBodyHtml = sanitizer.Sanitize(content.BodyHtml);
        foreach (var copy in local)
        {
            var payload = new NewEmailEvent(copy.FolderId, NewEmailContent.From(copy, content, safeBodyHtml));
            // Not awaited one by one: a client that stops reading must not hold up everyone else's mail.
            _ = SendAsync(copy, payload, cancellationToken);
        }
    }

    /// <summary>Bodies too long for the event, read from one copy (every copy has the same).</summary>
    private async Task<NewMailContent> WithStoredBodiesAsync(NewMailContent content, Guid messageId, CancellationToken cancellationToken)
    {
        // Events are pushed in order from one loop: an unreachable database must not hold up the rest for long.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(BodyReadTimeout);
        try
        {
            await using var command = dataSource.CreateCommand("SELECT body_text, body_html FROM mail_messages WHERE id = $1");
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = messageId });
            await using var reader = await command.ExecuteReaderAsync(timeout.Token);
            if (await reader.ReadAsync(timeout.Token))
            {
                var bodyText = await reader.IsDBNullAsync(0, timeout.Token) ? null : reader.GetString(0);
                var bodyHtml = await reader.IsDBNullAsync(1, timeout.Token) ? null : reader.GetString(1);
                return content with { BodyText = JsonString.From(bodyText), BodyHtml = bodyHtml };
            }
        }
        catch (Exception e) when (e is NpgsqlException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogBodiesUnavailable(e, messageId);
        }

        // Deleted meanwhile, or the database is unreachable: announced without its bodies.
        return content;
    }

    private async Task SendAsync(NewMailCopy copy, NewEmailEvent payload, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(SendTimeout);
        try
        {
            await hub.Clients.User(copy.UserId.ToString()).SendAsync(MailHub.NewEmailMethod, payload, timeout.Token);
            telemetry.NotificationPushed();
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LogPushFailed(e, copy.MessageId);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening for new mail on Redis channel {Channel}")]
    private partial void LogSubscribed(string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot subscribe to Redis channel {Channel} yet; retrying")]
    private partial void LogSubscribeFailed(Exception exception, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored a new-mail event that could not be read")]
    private partial void LogUnreadableEvent(Exception? exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the bodies of message {MessageId}; new_email goes out without them")]
    private partial void LogBodiesUnavailable(Exception exception, Guid messageId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not push new_email for message {MessageId}")]
    private partial void LogPushFailed(Exception exception, Guid messageId);
}

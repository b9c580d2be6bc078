using System.Net;
using ChitBox.SmtpIngress.Delivery;
using ChitBox.SmtpIngress.Session;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Options;

namespace ChitBox.SmtpIngress.Transport;

/// <summary>
/// Kestrel's entry point for an SMTP connection: applies the connection limits, opens a logging
/// scope (session id, remote endpoint) and a DI scope (so delivery services may be scoped), and
/// runs an <see cref="SmtpSession"/> over the connection's pipes with STARTTLS via SslStream.
/// </summary>
public sealed partial class SmtpConnectionHandler(
    IOptions<SmtpOptions> options,
    IServiceScopeFactory scopes,
    SmtpConnectionLimiter limiter,
    SmtpCertificateProvider certificates,
    SmtpTelemetry telemetry,
    IHostApplicationLifetime lifetime,
    TimeProvider timeProvider,
    ILogger<SmtpConnectionHandler> logger,
    ILogger<SmtpSession> sessionLogger) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var remote = connection.RemoteEndPoint;
        using var logScope = logger.BeginScope(new SmtpSessionLogScope(connection.ConnectionId, remote?.ToString()));
        var smtp = options.Value;

        using var lease = limiter.TryAcquire((remote as IPEndPoint)?.Address, out var refusal);
        if (lease is null)
        {
            telemetry.ConnectionCounted("refused");
            LogRefused(logger, remote?.ToString(), refusal!.ToString());
            await RefuseAsync(connection, refusal);
            return;
        }

        telemetry.ConnectionCounted("accepted");
        telemetry.ConnectionOpened();
        try
        {
            await using var services = scopes.CreateAsyncScope();
            await using var tls = new SslStreamTlsUpgrader(certificates.Context);
            var session = new SmtpSession(
                connection.ConnectionId,
                remote,
                connection.Transport,
                smtp,
                services.ServiceProvider.GetRequiredService<IRecipientDirectory>(),
                services.ServiceProvider.GetRequiredService<IMessageDelivery>(),
                telemetry,
                sessionLogger,
                tls,
                timeProvider);

            // Graceful stop: the host is stopping, or Kestrel asks this connection to close.
            var closeRequested = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? default;
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(lifetime.ApplicationStopping, closeRequested);
            await session.RunAsync(stopping.Token);
        }
        catch (Exception ex) when (ex is ConnectionResetException or ConnectionAbortedException or IOException or OperationCanceledException)
        {
            LogDisconnected(logger, ex.GetType().Name);
        }
        finally
        {
            telemetry.ConnectionClosed();
        }
    }

    private static async Task RefuseAsync(ConnectionContext connection, Protocol.SmtpReply refusal)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await connection.Transport.Output.WriteAsync(refusal.ToBytes(), timeout.Token);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ConnectionResetException)
        {
            // Nothing to tell a client that is already gone.
        }
    }

    [LoggerMessage(2000, LogLevel.Warning, "Connection from {RemoteEndPoint} refused: {Reply}")]
    private static partial void LogRefused(ILogger logger, string? remoteEndPoint, string reply);

    [LoggerMessage(2001, LogLevel.Debug, "Connection dropped ({Reason})")]
    private static partial void LogDisconnected(ILogger logger, string reason);
}

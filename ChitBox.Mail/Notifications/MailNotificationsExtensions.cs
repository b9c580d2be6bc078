using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace ChitBox.Mail.Notifications;

public static class MailNotificationsExtensions
{
    /// <summary>The connection string name, as an Aspire AppHost injects it.</summary>
    public const string ConnectionName = "redis";

    /// <summary>
    /// Registers the Redis connection that carries <see cref="NewMailEvent"/> between
    /// processes, and its readiness check. The service starts even while Redis is down:
    /// mail is still filed, and the connection recovers by itself.
    /// </summary>
    public static IHostApplicationBuilder AddMailNotifications(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(ConnectionName)
            ?? throw new InvalidOperationException(
                $"No Redis connection string: set ConnectionStrings__{ConnectionName} " +
                "(or start the whole stack with `dotnet run --project ChitBox.AppHost`).");

        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false;
        // The .NET thread pool rather than the client's own dedicated one, whose queue lock
        // every event contended for under load.
        options.SocketManager = SocketManager.ThreadPool;
        builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(options));
        builder.Services.AddHealthChecks().AddRedis(services => services.GetRequiredService<IConnectionMultiplexer>(), "redis");
        return builder;
    }
}

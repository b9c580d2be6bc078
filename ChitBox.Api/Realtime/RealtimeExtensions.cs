using Microsoft.AspNetCore.SignalR;

namespace ChitBox.Api.Realtime;

public static class RealtimeExtensions
{
    /// <summary>SignalR (no backplane: see <see cref="NewMailPushService"/>) and the Redis listener.</summary>
    public static IHostApplicationBuilder AddRealtime(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSignalR();
        builder.Services.AddSingleton<IUserIdProvider, UserIdProvider>();
        builder.Services.AddSingleton<LocalConnections>();
        builder.Services.AddHostedService<NewMailPushService>();
        return builder;
    }

    public static IEndpointRouteBuilder MapMailHub(this IEndpointRouteBuilder app)
    {
        app.MapHub<MailHub>(MailHub.Path);
        return app;
    }
}

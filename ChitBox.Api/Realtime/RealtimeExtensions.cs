using System.Text.Encodings.Web;
using Microsoft.AspNetCore.SignalR;

namespace ChitBox.Api.Realtime;

public static class RealtimeExtensions
{
    /// <summary>SignalR (no backplane: see <see cref="NewMailPushService"/>) and the Redis listener.</summary>
    public static IHostApplicationBuilder AddRealtime(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSignalR().AddJsonProtocol(json =>
            // Parsed by SignalR clients, never embedded in a page: mail bodies go out with only
            // the escaping JSON needs, not every non-ASCII and markup character as \uXXXX.
            json.PayloadSerializerOptions.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
        builder.Services.AddSingleton<IUserIdProvider, UserIdProvider>();
        builder.Services.AddSingleton<LocalConnections>();
        builder.Services.AddHostedService<NewMailPushService>();
        return builder;
    }

    public static IEndpointRouteBuilder MapMailHub(this IEndpointRouteBuilder app)
    {
        // A connection outlives its token otherwise, receiving mail on credentials the API refuses.
        app.MapHub<MailHub>(MailHub.Path, options => options.CloseOnAuthenticationExpiration = true);
        return app;
    }
}

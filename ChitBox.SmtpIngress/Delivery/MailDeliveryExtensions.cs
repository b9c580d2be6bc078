using ChitBox.Mail.Users;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChitBox.SmtpIngress.Delivery;

public static class MailDeliveryExtensions
{
    /// <summary>Recipient checks, filing and announcing: everything after the protocol.</summary>
    public static IHostApplicationBuilder AddMailDelivery(this IHostApplicationBuilder builder)
    {
        builder.AddMailDomains();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IRecipientDirectory, RecipientDirectory>();
        builder.Services.AddSingleton<MessageStore>();
        builder.Services.AddSingleton<NewMailPublisher>();
        builder.Services.AddHostedService(services => services.GetRequiredService<NewMailPublisher>());
        builder.Services.AddSingleton<IMessageDelivery, MailDelivery>();
        return builder;
    }
}

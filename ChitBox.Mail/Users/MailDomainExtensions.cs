using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChitBox.Mail.Users;

public static class MailDomainExtensions
{
    /// <summary>
    /// Binds <see cref="MailDomainOptions"/> from the <c>Mail</c> section, with the default
    /// local domains when none are configured, validated at start-up.
    /// </summary>
    public static IHostApplicationBuilder AddMailDomains(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MailDomainOptions>()
            .BindConfiguration(MailDomainOptions.SectionName)
            .PostConfigure(options =>
            {
                options.LocalDomains.RemoveAll(string.IsNullOrWhiteSpace);
                if (options.LocalDomains.Count == 0)
                {
                    options.LocalDomains.AddRange(MailDomainOptions.DefaultLocalDomains);
                }
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return builder;
    }
}

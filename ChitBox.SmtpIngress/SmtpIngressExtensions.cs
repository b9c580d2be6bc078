using System.Globalization;
using System.Net;
using ChitBox.SmtpIngress.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChitBox.SmtpIngress;

public static class SmtpIngressExtensions
{
    /// <summary>
    /// Adds the SMTP listener: binds and validates <see cref="SmtpOptions"/> (section <c>Smtp</c>;
    /// <c>SMTP_SERVER_PORT</c>, <c>SMTP_SERVER_HOST</c>, <c>SMTP_SERVER_BANNER</c> override it), and
    /// makes Kestrel listen for SMTP on <c>Smtp:Host</c>:<c>Smtp:Port</c>.
    /// </summary>
    /// <remarks>
    /// <para>Kestrel ignores <c>ASPNETCORE_URLS</c>/<c>--urls</c>/<c>ASPNETCORE_HTTP_PORTS</c> once any
    /// endpoint is set in code. So that the HTTP endpoints (health checks) keep working, this method
    /// also listens, for HTTP, on every address those settings name. With none of them set the process
    /// listens for SMTP only. <c>Kestrel:Endpoints</c> configuration still works alongside.</para>
    /// <para>Requires <see cref="Delivery.IRecipientDirectory"/> and <see cref="Delivery.IMessageDelivery"/>
    /// to be registered (any lifetime: each SMTP session resolves them from its own scope).</para>
    /// </remarks>
    public static TBuilder AddSmtpIngress<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;
        services.AddOptions<SmtpOptions>()
            .BindConfiguration(SmtpOptions.SectionName)
            .Configure<IConfiguration>(ApplyEnvironmentVariables)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SmtpTelemetry>();
        services.TryAddSingleton<SmtpConnectionLimiter>();
        services.TryAddSingleton<SmtpCertificateProvider>();

        // SMTP sessions are async end to end: a received command is answered on the thread that
        // read it, instead of after two hand-offs between thread-pool workers.
        services.Configure<SocketTransportOptions>(sockets => sockets.UnsafePreferInlineScheduling = true);

        services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<SmtpOptions>, SmtpCertificateProvider, IConfiguration>((kestrel, smtp, certificates, configuration) =>
            {
                // Load the certificate now: a bad one stops start-up instead of failing the first STARTTLS.
                _ = certificates.Context;
                ListenForSmtp(kestrel, smtp.Value);
                ListenForHttpUrls(kestrel, configuration);
            });

        return builder;
    }

    /// <summary>The contract's environment variables win over every other source.</summary>
    internal static void ApplyEnvironmentVariables(SmtpOptions options, IConfiguration configuration)
    {
        if (configuration["SMTP_SERVER_PORT"] is { Length: > 0 } port)
        {
            options.Port = int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                ? number
                : throw new OptionsValidationException(
                    SmtpOptions.SectionName, typeof(SmtpOptions), [$"SMTP_SERVER_PORT '{port}' is not a port number."]);
        }

        if (configuration["SMTP_SERVER_HOST"] is { Length: > 0 } host)
        {
            options.Host = host;
        }

        if (configuration["SMTP_SERVER_BANNER"] is { Length: > 0 } banner)
        {
            options.Banner = banner;
        }
    }

    private static void ListenForSmtp(KestrelServerOptions kestrel, SmtpOptions smtp)
    {
        static void Smtp(ListenOptions listen) => listen.UseConnectionHandler<SmtpConnectionHandler>();

        switch (smtp.Host)
        {
            case "localhost":
                kestrel.ListenLocalhost(smtp.Port, Smtp);
                break;
            case "*" or "0.0.0.0" or "::" or "[::]":
                // Dual-stack any address: every IPv4 and IPv6 interface.
                kestrel.ListenAnyIP(smtp.Port, Smtp);
                break;
            default:
                kestrel.Listen(IPAddress.Parse(smtp.Host), smtp.Port, Smtp);
                break;
        }
    }

    /// <summary>Re-adds the HTTP addresses Kestrel would have used had no endpoint been set in code.</summary>
    private static void ListenForHttpUrls(KestrelServerOptions kestrel, IConfiguration configuration)
    {
        var urls = configuration["urls"];
        if (string.IsNullOrWhiteSpace(urls))
        {
            var ports = new[] { ("http", configuration["http_ports"]), ("https", configuration["https_ports"]) }
                .SelectMany(p => (p.Item2 ?? string.Empty)
                    .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(port => $"{p.Item1}://*:{port}"));
            urls = string.Join(';', ports);
        }

        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var address = Microsoft.AspNetCore.Http.BindingAddress.Parse(url);
            var isHttps = address.Scheme.Equals("https", StringComparison.OrdinalIgnoreCase);
            Action<ListenOptions> http = isHttps ? listen => listen.UseHttps() : _ => { };
            if (address.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            {
                if (address.Port == 0)
                {
                    kestrel.Listen(IPAddress.Loopback, 0, http);
                }
                else
                {
                    kestrel.ListenLocalhost(address.Port, http);
                }
            }
            else if (IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip))
            {
                kestrel.Listen(ip, address.Port, http);
            }
            else
            {
                // "*", "+", or a host name: all interfaces, as Kestrel does for URLs.
                kestrel.ListenAnyIP(address.Port, http);
            }
        }
    }
}

using ChitBox.SmtpIngress;
using ChitBox.LocalInfrastructure;
using ChitBox.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ChitBox.Tests.SmtpIngress.Integration;

/// <summary>
/// The real ingress host on Kestrel, listening for SMTP on a free loopback port, against
/// the shared test servers unless a test gives its own connection strings.
/// </summary>
public sealed class IngressFactory : WebApplicationFactory<SmtpTelemetry>
{
    private readonly Dictionary<string, string> _settings = [];

    private IngressFactory(string postgres, string redis)
    {
        SmtpPort = FreePort.Next();
        _settings["ConnectionStrings:chitbox"] = postgres;
        _settings["ConnectionStrings:redis"] = redis;
        _settings["SMTP_SERVER_PORT"] = SmtpPort.ToString();
        _settings["Smtp:Host"] = "127.0.0.1";
        _settings["Smtp:HostName"] = "mx.chitbox.test";
    }

    public int SmtpPort { get; }

    public static async Task<IngressFactory> StartAsync(
        IReadOnlyDictionary<string, string>? settings = null, string? postgres = null, string? redis = null)
    {
        var servers = await TestServers.GetAsync();
        var factory = new IngressFactory(postgres ?? servers.PostgresConnectionString, redis ?? servers.RedisConnectionString);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            factory._settings[key] = value;
        }

        factory.UseKestrel();
        factory.StartServer();
        return factory;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }
}

using ChitBox.Api.Realtime;
using ChitBox.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChitBox.Tests.Api;

/// <summary>
/// One API instance against the shared test PostgreSQL and Redis. In memory by default;
/// <see cref="StartOnKestrelAsync"/> puts it on a real socket for SignalR and multi-instance tests.
/// </summary>
public sealed class ApiFactory : WebApplicationFactory<MailHub>, IAsyncLifetime
{
    /// <summary>Shared by every instance in a test, as one deployment's instances share it.</summary>
    public const string SigningKey = "chitbox-tests-signing-key-0123456789-abcdefghij";

    private readonly Dictionary<string, string> _settings = [];
    private TestServers? _servers;

    public ApiFactory WithSetting(string key, string value)
    {
        _settings[key] = value;
        return this;
    }

    public async Task InitializeAsync() => _servers = await TestServers.GetAsync();

    /// <summary>Starts the instance listening on a free loopback port; returns its base address.</summary>
    public async Task<Uri> StartOnKestrelAsync()
    {
        await InitializeAsync();
        UseKestrel(0);
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        await Services.GetServices<IHostedService>().OfType<NewMailPushService>().Single().Listening.WaitAsync(TimeSpan.FromSeconds(30));
        return new Uri(addresses.First());
    }

    public HttpClient CreateClientFor(TestUser user)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", user.AccessToken);
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var servers = _servers ?? throw new InvalidOperationException("Call InitializeAsync first.");
        builder.UseEnvironment("Development");
        builder.UseSetting("ConnectionStrings:chitbox", servers.PostgresConnectionString);
        builder.UseSetting("ConnectionStrings:redis", servers.RedisConnectionString);
        builder.UseSetting("Auth:SigningKey", SigningKey);
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}

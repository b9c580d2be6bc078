using System.Net;
using System.Net.Http.Json;
using ChitBox.Api.Auth;
using ChitBox.Bench.Stack;
using ChitBox.LocalInfrastructure;
using ChitBox.Mail.Users;
using ChitBox.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChitBox.Tests.Api;

public sealed class ResilienceAndConfigurationTests
{
    [Fact]
    public async Task The_api_serves_http_while_redis_is_unreachable()
    {
        await using var factory = new ApiFactory().WithSetting("ConnectionStrings:redis", "127.0.0.1:1,connectTimeout=500");
        await factory.InitializeAsync();

        var user = await TestUser.CreateAsync(factory);
        using var client = factory.CreateClientFor(user);
        var response = await client.GetAsync("/api/folders");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Local_domains_from_configuration_replace_the_defaults()
    {
        await using var factory = new ApiFactory()
            .WithSetting("Mail:LocalDomains:0", "mail.example.test");
        await factory.InitializeAsync();
        using var client = factory.CreateClient();

        var inConfigured = await client.PostAsJsonAsync("/api/auth/register", new { email = $"u-{Guid.NewGuid():N}@Mail.Example.Test", password = "long enough pw" });
        var inDefault = await client.PostAsJsonAsync("/api/auth/register", new { email = TestUser.UniqueEmail(), password = "long enough pw" });

        Assert.Equal(HttpStatusCode.Created, inConfigured.StatusCode);
        await ProblemAssert.IsProblemAsync(inDefault, HttpStatusCode.BadRequest);
        Assert.Equal(["mail.example.test"], factory.Services.GetRequiredService<IOptions<MailDomainOptions>>().Value.LocalDomains);
    }

    [Fact]
    public async Task An_oversized_chunked_body_on_a_real_socket_returns_413_problem()
    {
        await using var factory = new ApiFactory();
        var address = await factory.StartOnKestrelAsync();
        using var client = new HttpClient { BaseAddress = address };
        var json = System.Text.Encoding.UTF8.GetBytes($"{{\"email\":\"{TestUser.UniqueEmail()}\",\"password\":\"long enough pw\",\"displayName\":\"{new string('x', 300_000)}\"}}");
        using var content = new StreamContent(new NonSeekableStream(json));
        content.Headers.ContentType = new("application/json");

        var response = await client.PostAsync("/api/auth/register", content);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public void The_development_signing_key_is_made_once_and_kept()
    {
        using var parent = TemporaryDirectory.Create("keys");
        var directory = Path.Combine(parent, "data");

        var first = DevelopmentSigningKey.LoadOrCreate(directory);
        var second = DevelopmentSigningKey.LoadOrCreate(directory);

        Assert.Equal(first, second);
        Assert.True(first.Length >= 32);
        Assert.Equal(first, File.ReadAllText(Path.Combine(directory, DevelopmentSigningKey.FileName)));
    }

    [Fact]
    public async Task Outside_development_a_missing_signing_key_fails_start_up_with_a_clear_message()
    {
        // Its own process, as an operator runs it: WebApplicationFactory's host sometimes reports
        // a failed start as an ObjectDisposedException of its own instead.
        var servers = await TestServers.GetAsync();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ServiceProcess.StartAsync(
            "chitbox-api", "ChitBox.Api", FreePort.Next(),
            new Dictionary<string, string>
            {
                ["ConnectionStrings__chitbox"] = servers.PostgresConnectionString,
                ["ConnectionStrings__redis"] = servers.RedisConnectionString,
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["DOTNET_ENVIRONMENT"] = "Production",
                ["Auth__SigningKey"] = "",
            },
            CancellationToken.None));

        Assert.Contains("set Auth__SigningKey", error.Message);
    }

    /// <summary>No length known up front, so HttpClient sends the body chunked.</summary>
    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}

using System.Net;
using ChitBox.Tests.Api;

namespace ChitBox.Tests.ServiceDefaults;

public sealed class HealthEndpointTests
{
    [Fact]
    public async Task Health_is_ready_when_the_database_and_redis_answer()
    {
        await using var factory = new ApiFactory();
        await factory.InitializeAsync();
        using var client = factory.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/alive")).StatusCode);
    }

    [Fact]
    public async Task Health_is_not_ready_while_redis_is_unreachable_but_the_process_is_alive()
    {
        await using var factory = new ApiFactory().WithSetting("ConnectionStrings:redis", "127.0.0.1:1,connectTimeout=500");
        await factory.InitializeAsync();
        using var client = factory.CreateClient();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/alive")).StatusCode);
    }
}

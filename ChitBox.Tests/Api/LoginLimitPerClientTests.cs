using System.Net;
using System.Net.Http.Json;

namespace ChitBox.Tests.Api;

/// <summary>Its own instance: the per-client count would otherwise be shared with other tests.</summary>
public sealed class LoginLimitPerClientTests
{
    [Fact]
    public async Task Failed_logins_across_accounts_from_one_client_return_429_with_retry_after()
    {
        await using var factory = new ApiFactory().WithSetting("Auth:MaxFailedLoginsPerClient", "3");
        await factory.InitializeAsync();
        var user = await TestUser.CreateAsync(factory);
        using var client = factory.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            var failed = await client.PostAsJsonAsync("/api/auth/login", new { email = TestUser.UniqueEmail("guess"), password = "wrong password" });
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        var throttled = await client.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = "wrong password" });

        await ProblemAssert.IsProblemAsync(throttled, HttpStatusCode.TooManyRequests);
        Assert.NotNull(throttled.Headers.RetryAfter?.Delta);
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ChitBox.Tests.Api;

/// <summary>A registered, logged-in user with a unique address, so tests never share data.</summary>
public sealed record TestUser(Guid Id, string Email, string Password, string AccessToken)
{
    public const string DefaultPassword = "correct horse battery";

    public static string UniqueEmail(string prefix = "user") => $"{prefix}-{Guid.NewGuid():N}@chitbox.local";

    public static async Task<TestUser> CreateAsync(ApiFactory factory, string prefix = "user")
    {
        using var client = factory.CreateClient();
        return await CreateAsync(client, prefix);
    }

    /// <summary>Registers and logs in through any running API (<paramref name="client"/> has its base address).</summary>
    public static async Task<TestUser> CreateAsync(HttpClient client, string prefix = "user")
    {
        var email = UniqueEmail(prefix);
        var registered = await client.PostAsJsonAsync("/api/auth/register", new { email, password = DefaultPassword, displayName = "Test " + prefix });
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        var id = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var login = await client.PostAsJsonAsync("/api/auth/login", new { email, password = DefaultPassword });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
        return new TestUser(id, email, DefaultPassword, token);
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ChitBox.Tests.Api;

public sealed class AuthApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Register_returns_201_with_the_user()
    {
        using var client = factory.CreateClient();
        var email = TestUser.UniqueEmail("reg");

        var response = await client.PostAsJsonAsync("/api/auth/register", new { email, password = "long enough pw", displayName = "Reg User" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var user = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.NotEqual(Guid.Empty, user.GetProperty("id").GetGuid());
        Assert.Equal(email, user.GetProperty("email").GetString());
        Assert.Equal("Reg User", user.GetProperty("displayName").GetString());
    }

    [Fact]
    public async Task Register_without_display_name_returns_null_display_name()
    {
        using var client = factory.CreateClient();

        var response = await client.PostAsJsonAsync("/api/auth/register", new { email = TestUser.UniqueEmail(), password = "long enough pw" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var user = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(JsonValueKind.Null, user.GetProperty("displayName").ValueKind);
    }

    [Fact]
    public async Task Register_creates_the_five_standard_folders()
    {
        var user = await TestUser.CreateAsync(factory);
        using var client = factory.CreateClientFor(user);

        var folders = await client.GetFromJsonAsync<JsonElement>("/api/folders");

        Assert.Equal(
            new[] { "inbox", "sent", "drafts", "trash", "archive" },
            folders.EnumerateArray().Select(f => f.GetProperty("kind").GetString()!).ToArray());
    }

    [Fact]
    public async Task Register_an_address_taken_in_any_case_returns_409()
    {
        using var client = factory.CreateClient();
        var email = TestUser.UniqueEmail("dup");
        await client.PostAsJsonAsync("/api/auth/register", new { email, password = "long enough pw" });

        var response = await client.PostAsJsonAsync("/api/auth/register", new { email = email.ToUpperInvariant(), password = "another password" });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Conflict);
    }

    [Theory]
    [InlineData("short", "password")]
    [InlineData("elsewhere", "email")]
    [InlineData("invalid", "email")]
    [InlineData("quoted", "email")]
    [InlineData("trailing dot", "email")]
    [InlineData("four emoji", "password")]
    public async Task Register_with_bad_input_returns_400_naming_the_field(string kind, string field)
    {
        using var client = factory.CreateClient();
        object body = kind switch
        {
            "short" => new { email = TestUser.UniqueEmail(), password = "1234567" },
            // RCPT refuses such an address: the account could never receive mail.
            "trailing dot" => new { email = TestUser.UniqueEmail() + ".", password = "long enough pw" },
            // Eight UTF-16 units, four characters.
            "four emoji" => new { email = TestUser.UniqueEmail(), password = "\U0001F600\U0001F600\U0001F600\U0001F600" },
            "elsewhere" => new { email = $"someone-{Guid.NewGuid():N}@example.com", password = "long enough pw" },
            "quoted" => new { email = $"\"someone-{Guid.NewGuid():N}\"@chitbox.local", password = "long enough pw" },
            _ => new { email = "not an address", password = "long enough pw" },
        };

        var response = await client.PostAsJsonAsync("/api/auth/register", body);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
    }

    // JSON escapes, sent as written: PostgreSQL text cannot hold NUL.
    [Theory]
    [InlineData("displayName", @"a\u0000b")]
    [InlineData("displayName", @"\u0000")]
    [InlineData("displayName", @"line\nbreak")]
    [InlineData("displayName", @"bell\u0007")]
    [InlineData("email", @"nul\u0000@chitbox.local")]
    public async Task Register_with_a_nul_or_control_character_returns_400_naming_the_field(string field, string escaped)
    {
        using var client = factory.CreateClient();
        var email = field == "email" ? escaped : TestUser.UniqueEmail("nul");
        var displayName = field == "displayName" ? escaped : "Plain Name";

        var response = await PostJsonAsync(client, "/api/auth/register", $$"""{"email":"{{email}}","password":"long enough pw","displayName":"{{displayName}}"}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task Register_a_taken_address_with_a_nul_display_name_returns_400()
    {
        using var client = factory.CreateClient();
        var email = TestUser.UniqueEmail("taken");
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/auth/register", new { email, password = "long enough pw" })).StatusCode);

        var response = await PostJsonAsync(client, "/api/auth/register", $$"""{"email":"{{email}}","password":"long enough pw","displayName":"\u0000"}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("displayName", out _));
    }

    [Fact]
    public async Task Register_keeps_letters_marks_and_emoji_in_a_display_name()
    {
        using var client = factory.CreateClient();

        var response = await client.PostAsJsonAsync("/api/auth/register", new { email = TestUser.UniqueEmail(), password = "long enough pw", displayName = "Zoë Ångström 🦊 山田" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("Zoë Ångström 🦊 山田", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("displayName").GetString());
    }

    [Theory]
    [InlineData(@"\u0000")]
    [InlineData(@"a\u0000@chitbox.local")]
    public async Task Login_with_an_address_the_database_cannot_hold_returns_401_problem(string escaped)
    {
        using var client = factory.CreateClient();

        var response = await PostJsonAsync(client, "/api/auth/login", $$"""{"email":"{{escaped}}","password":"x"}""");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("/api/auth/register", """{"email":"half\udc00@chitbox.local","password":"long enough pw","displayName":"half \ud800 pair"}""")]
    [InlineData("/api/auth/login", """{"email":"\ud800@chitbox.local","password":"long enough pw"}""")]
    public async Task Text_with_a_lone_surrogate_returns_400_problem(string path, string json)
    {
        using var client = factory.CreateClient();

        var response = await PostJsonAsync(client, path, json);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Register_with_malformed_json_returns_400_problem()
    {
        using var client = factory.CreateClient();

        var response = await client.PostAsync("/api/auth/register", new StringContent("{\"email\": ", Encoding.UTF8, "application/json"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Register_with_an_oversized_body_returns_413_problem()
    {
        using var client = factory.CreateClient();
        var huge = JsonSerializer.Serialize(new { email = TestUser.UniqueEmail(), password = "long enough pw", displayName = new string('x', 200_000) });

        var response = await client.PostAsync("/api/auth/register", new StringContent(huge, Encoding.UTF8, "application/json"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Login_returns_a_token_that_opens_api_me()
    {
        using var client = factory.CreateClient();
        var email = TestUser.UniqueEmail("login");
        await client.PostAsJsonAsync("/api/auth/register", new { email, password = "long enough pw", displayName = "Log In" });

        var login = await client.PostAsJsonAsync("/api/auth/login", new { email = email.ToUpperInvariant(), password = "long enough pw" });

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var token = await login.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(token.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("accessToken").GetString());
        var me = await client.GetFromJsonAsync<JsonElement>("/api/me");
        Assert.Equal(email, me.GetProperty("email").GetString());
        Assert.Equal("Log In", me.GetProperty("displayName").GetString());
    }

    [Fact]
    public async Task Login_with_a_wrong_password_returns_401_problem()
    {
        var user = await TestUser.CreateAsync(factory);
        using var client = factory.CreateClient();

        var response = await client.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = "wrong password" });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Login_for_an_unknown_account_returns_401_problem()
    {
        using var client = factory.CreateClient();

        var response = await client.PostAsJsonAsync("/api/auth/login", new { email = TestUser.UniqueEmail("nobody"), password = "whatever pw" });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Wrong_passwords_for_an_account_over_the_limit_return_429_with_retry_after()
    {
        var user = await TestUser.CreateAsync(factory);
        using var client = factory.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            var failed = await client.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = "wrong password" });
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        var throttled = await client.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = "wrong password" });

        await ProblemAssert.IsProblemAsync(throttled, HttpStatusCode.TooManyRequests);
        Assert.True(throttled.Headers.RetryAfter?.Delta > TimeSpan.Zero);
    }

    [Fact]
    public async Task Successful_logins_are_never_throttled()
    {
        var user = await TestUser.CreateAsync(factory);
        using var client = factory.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            await client.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = "wrong password" });
        }

        var overTheLimit = await client.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = "wrong password" });
        Assert.Equal(HttpStatusCode.TooManyRequests, overTheLimit.StatusCode);

        for (var i = 0; i < 10; i++)
        {
            var response = await client.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = user.Password });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // The right password cleared the account's count: the next mistake is an ordinary 401.
        var mistake = await client.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = "wrong password" });
        await ProblemAssert.IsProblemAsync(mistake, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Api_me_without_a_token_returns_401_problem()
    {
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/api/me");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Fact]
    public async Task A_token_signed_with_another_key_returns_401_problem()
    {
        var user = await TestUser.CreateAsync(factory);
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", MintToken(user.Id, "an-attacker-chosen-key-0123456789-abcdefghij", DateTimeOffset.UtcNow.AddHours(1)));

        var response = await client.GetAsync("/api/me");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_expired_token_returns_401_problem()
    {
        var user = await TestUser.CreateAsync(factory);
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", MintToken(user.Id, ApiFactory.SigningKey, DateTimeOffset.UtcNow.AddHours(-1)));

        var response = await client.GetAsync("/api/me");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_token_with_the_right_key_is_accepted()
    {
        var user = await TestUser.CreateAsync(factory);
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", MintToken(user.Id, ApiFactory.SigningKey, DateTimeOffset.UtcNow.AddHours(1)));

        var response = await client.GetAsync("/api/me");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task An_unknown_route_returns_404_problem()
    {
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/api/no-such-thing");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_method_the_route_does_not_allow_returns_405_problem()
    {
        var user = await TestUser.CreateAsync(factory);
        using var client = factory.CreateClientFor(user);

        var response = await client.PutAsJsonAsync($"/api/messages/{Guid.NewGuid()}", new { isRead = true });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.MethodNotAllowed);
    }

    // SignalR writes these itself, as text/plain or with no body.
    [Theory]
    [InlineData("GET", "/hubs/mail", HttpStatusCode.BadRequest)]
    [InlineData("POST", "/hubs/mail?id=no-such-connection", HttpStatusCode.NotFound)]
    [InlineData("GET", "/hubs/mail/negotiate", HttpStatusCode.MethodNotAllowed)]
    public async Task Errors_from_the_hub_are_problem_json(string method, string path, HttpStatusCode status)
    {
        var user = await TestUser.CreateAsync(factory);
        using var client = factory.CreateClientFor(user);

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await ProblemAssert.IsProblemAsync(response, status);
    }

    [Theory]
    [InlineData("text/html")]
    [InlineData("text/plain")]
    public async Task Errors_are_problem_json_whatever_the_client_accepts(string accept)
    {
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Accept.ParseAdd(accept);

        await ProblemAssert.IsProblemAsync(await client.GetAsync("/api/no-such-thing"), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await client.GetAsync("/api/me"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_openapi_document_is_served()
    {
        using var client = factory.CreateClient();

        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        Assert.True(document.GetProperty("paths").TryGetProperty("/api/folders/{id}/messages", out _));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/scalar")).StatusCode);
    }

    private static Task<HttpResponseMessage> PostJsonAsync(HttpClient client, string path, string json) =>
        client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    internal static string MintToken(Guid userId, string key, DateTimeOffset expires)
    {
        var issuedAt = expires.AddHours(-2);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "chitbox",
            Audience = "chitbox-api",
            IssuedAt = issuedAt.UtcDateTime,
            NotBefore = issuedAt.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object> { [JwtRegisteredClaimNames.Sub] = userId.ToString() },
        });
    }
}

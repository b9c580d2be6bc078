using System.Net;
using System.Net.Http.Json;
using MimeKit;

namespace ChitBox.Tests.Api;

/// <summary>Another user's ids answer 404 problem+json, exactly as ids that do not exist.</summary>
public sealed class OwnershipTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    public static TheoryData<string, string> Routes => new()
    {
        { "GET", "/api/folders/{folder}/messages" },
        { "GET", "/api/threads/{thread}" },
        { "GET", "/api/messages/{message}" },
        { "GET", "/api/messages/{message}/raw" },
        { "PATCH", "/api/messages/{message}" },
        { "DELETE", "/api/messages/{message}" },
        { "GET", "/api/attachments/{attachment}" },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Another_users_ids_return_404_problem(string method, string route)
    {
        var owner = await TestUser.CreateAsync(factory, "owner");
        var intruder = await TestUser.CreateAsync(factory, "intruder");
        var seeded = await MailSeeder.DeliverAsync(
            factory.Services, owner.Id,
            MailSeeder.Build("Private", attachments: [("secret.txt", "text/plain", "secret"u8.ToArray(), ContentEncoding.Base64)]),
            publish: false);
        using var client = factory.CreateClientFor(intruder);

        var response = await client.SendAsync(Request(method, Fill(route, seeded)));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
        using var ownerClient = factory.CreateClientFor(owner);
        var stillThere = await ownerClient.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/messages/{seeded.Id}");
        Assert.Equal(seeded.FolderId, stillThere.GetProperty("folderId").GetGuid());
    }

    [Fact]
    public async Task Moving_a_message_into_another_users_folder_returns_404_problem()
    {
        var owner = await TestUser.CreateAsync(factory, "owner");
        var other = await TestUser.CreateAsync(factory, "other");
        var mine = await MailSeeder.DeliverAsync(factory.Services, owner.Id, MailSeeder.Build("Mine"), publish: false);
        var theirs = await MailSeeder.DeliverAsync(factory.Services, other.Id, MailSeeder.Build("Theirs"), publish: false);
        using var client = factory.CreateClientFor(owner);

        var response = await client.PatchAsJsonAsync($"/api/messages/{mine.Id}", new { folderId = theirs.FolderId });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Every_route_without_a_token_returns_401_problem(string method, string route)
    {
        using var client = factory.CreateClient();
        var anyId = Guid.NewGuid().ToString();

        var response = await client.SendAsync(Request(method, route.Replace("{folder}", anyId).Replace("{thread}", anyId)
            .Replace("{message}", anyId).Replace("{attachment}", anyId)));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    private static HttpRequestMessage Request(string method, string url)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (method == "PATCH")
        {
            request.Content = JsonContent.Create(new { isRead = true });
        }

        return request;
    }

    private static string Fill(string route, SeededMessage seeded) => route
        .Replace("{folder}", seeded.FolderId.ToString())
        .Replace("{thread}", seeded.ThreadId.ToString())
        .Replace("{message}", seeded.Id.ToString())
        .Replace("{attachment}", seeded.Attachments[0].Id.ToString());
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChitBox.Mail.Data;
using Microsoft.Extensions.DependencyInjection;

namespace ChitBox.Tests.Api;

public sealed class MailboxApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Folders_list_unread_and_total_counts_with_lowercase_kinds()
    {
        var user = await TestUser.CreateAsync(factory);
        for (var i = 0; i < 3; i++)
        {
            await MailSeeder.DeliverAsync(factory.Services, user.Id, MailSeeder.Build($"Count {i}"), publish: false);
        }

        using var client = factory.CreateClientFor(user);
        var first = (await client.GetFromJsonAsync<JsonElement>($"/api/folders")).EnumerateArray().First();
        await client.PatchAsJsonAsync($"/api/messages/{await FirstInboxMessageIdAsync(client, first)}", new { isRead = true });

        var folders = await client.GetFromJsonAsync<JsonElement>("/api/folders");

        var inbox = folders.EnumerateArray().Single(f => f.GetProperty("kind").GetString() == "inbox");
        Assert.Equal("Inbox", inbox.GetProperty("name").GetString());
        Assert.Equal(3, inbox.GetProperty("totalCount").GetInt32());
        Assert.Equal(2, inbox.GetProperty("unreadCount").GetInt32());
        var trash = folders.EnumerateArray().Single(f => f.GetProperty("kind").GetString() == "trash");
        Assert.Equal(0, trash.GetProperty("totalCount").GetInt32());
        Assert.All(folders.EnumerateArray(), f => Assert.NotEqual(Guid.Empty, f.GetProperty("id").GetGuid()));
    }

    [Fact]
    public async Task Folder_listing_pages_newest_first_with_a_cursor_until_the_last_page()
    {
        var user = await TestUser.CreateAsync(factory);
        var start = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
        var seeded = new List<SeededMessage>();
        for (var i = 0; i < 7; i++)
        {
            // Two pairs share an arrival time: the id breaks the tie.
            var arrival = start.AddMinutes(i is 2 or 5 ? i - 1 : i);
            seeded.Add(await MailSeeder.DeliverAsync(factory.Services, user.Id, MailSeeder.Build($"Page {i}"), arrival, publish: false));
        }

        var expected = seeded.OrderByDescending(s => s.Entity.CreatedAt).ThenByDescending(s => s.Id.ToString(), StringComparer.Ordinal).Select(s => s.Id).ToList();
        using var client = factory.CreateClientFor(user);
        var inboxId = seeded[0].FolderId;

        var seen = new List<Guid>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var url = $"/api/folders/{inboxId}/messages?limit=3" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}");
            var page = await client.GetFromJsonAsync<JsonElement>(url);
            var items = page.GetProperty("items").EnumerateArray().ToList();
            Assert.True(items.Count <= 3);
            seen.AddRange(items.Select(i => i.GetProperty("id").GetGuid()));
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task Folder_listing_items_have_every_summary_field()
    {
        var user = await TestUser.CreateAsync(factory);
        var seeded = await MailSeeder.DeliverAsync(factory.Services, user.Id, MailSeeder.Build("Fields"), publish: false);
        using var client = factory.CreateClientFor(user);

        var page = await client.GetFromJsonAsync<JsonElement>($"/api/folders/{seeded.FolderId}/messages");

        var item = Assert.Single(page.GetProperty("items").EnumerateArray());
        Assert.Equal(
            new[] { "id", "threadId", "folderId", "fromEmail", "fromName", "subject", "snippet", "isRead", "hasAttachments", "sentAt", "createdAt" }.Order(),
            item.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(seeded.Id, item.GetProperty("id").GetGuid());
        Assert.Equal("alice@example.org", item.GetProperty("fromEmail").GetString());
        Assert.Equal("Alice Sender", item.GetProperty("fromName").GetString());
        Assert.False(item.GetProperty("isRead").GetBoolean());
        Assert.Equal(JsonValueKind.Null, page.GetProperty("nextCursor").ValueKind);
    }

    [Theory]
    [InlineData("cursor=not-a-cursor")]
    [InlineData("cursor=%21%21%21")]
    [InlineData("cursor=%00")]
    [InlineData("limit=0")]
    [InlineData("limit=201")]
    [InlineData("limit=ten")]
    public async Task Folder_listing_with_a_bad_cursor_or_limit_returns_400_problem(string query)
    {
        var user = await TestUser.CreateAsync(factory);
        using var client = factory.CreateClientFor(user);
        var inbox = (await client.GetFromJsonAsync<JsonElement>("/api/folders")).EnumerateArray().First().GetProperty("id").GetGuid();

        var response = await client.GetAsync($"/api/folders/{inbox}/messages?{query}");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Folder_listing_takes_empty_limit_and_cursor_as_none()
    {
        var user = await TestUser.CreateAsync(factory);
        using var client = factory.CreateClientFor(user);
        var inbox = (await client.GetFromJsonAsync<JsonElement>("/api/folders")).EnumerateArray().First().GetProperty("id").GetGuid();

        var response = await client.GetAsync($"/api/folders/{inbox}/messages?limit=&cursor=");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Thread_lists_its_messages_oldest_first()
    {
        var user = await TestUser.CreateAsync(factory);
        var start = new DateTimeOffset(2026, 2, 1, 8, 0, 0, TimeSpan.Zero);
        var first = await MailSeeder.DeliverAsync(factory.Services, user.Id, MailSeeder.Build("Thread start"), start.AddMinutes(10), publish: false);
        var reply = await MailSeeder.DeliverAsync(factory.Services, user.Id, MailSeeder.Build("Re: Thread start"), start.AddMinutes(20), publish: false);
        var earlier = await MailSeeder.DeliverAsync(factory.Services, user.Id, MailSeeder.Build("Before"), start, publish: false);
        await MoveToThreadAsync([reply.Id, earlier.Id], first.ThreadId);
        using var client = factory.CreateClientFor(user);

        var thread = await client.GetFromJsonAsync<JsonElement>($"/api/threads/{first.ThreadId}");

        Assert.Equal(first.ThreadId, thread.GetProperty("id").GetGuid());
        Assert.Equal("Thread start", thread.GetProperty("subject").GetString());
        Assert.Equal(
            new[] { earlier.Id, first.Id, reply.Id },
            thread.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("id").GetGuid()).ToArray());
    }

    [Fact]
    public async Task A_thread_whose_last_message_is_deleted_for_good_returns_404_problem()
    {
        var user = await TestUser.CreateAsync(factory);
        var first = await MailSeeder.DeliverAsync(factory.Services, user.Id, MailSeeder.Build("Going"), publish: false);
        var second = await MailSeeder.DeliverAsync(factory.Services, user.Id, MailSeeder.Build("Re: Going"), publish: false);
        await MoveToThreadAsync([second.Id], first.ThreadId);
        using var client = factory.CreateClientFor(user);

        // Trash, then for good: the thread keeps its other message.
        await client.DeleteAsync($"/api/messages/{first.Id}");
        await client.DeleteAsync($"/api/messages/{first.Id}");
        var remaining = await client.GetFromJsonAsync<JsonElement>($"/api/threads/{first.ThreadId}");
        Assert.Equal(second.Id, Assert.Single(remaining.GetProperty("messages").EnumerateArray()).GetProperty("id").GetGuid());

        await client.DeleteAsync($"/api/messages/{second.Id}");
        await client.DeleteAsync($"/api/messages/{second.Id}");

        await ProblemAssert.IsProblemAsync(await client.GetAsync($"/api/threads/{first.ThreadId}"), HttpStatusCode.NotFound);
    }

    private async Task MoveToThreadAsync(Guid[] messageIds, Guid threadId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MailDbContext>();
        foreach (var id in messageIds)
        {
            var message = await db.Messages.FindAsync(id);
            message!.ThreadId = threadId;
        }

        await db.SaveChangesAsync();
    }

    private static async Task<Guid> FirstInboxMessageIdAsync(HttpClient client, JsonElement inbox)
    {
        var page = await client.GetFromJsonAsync<JsonElement>($"/api/folders/{inbox.GetProperty("id").GetGuid()}/messages");
        return page.GetProperty("items")[0].GetProperty("id").GetGuid();
    }
}

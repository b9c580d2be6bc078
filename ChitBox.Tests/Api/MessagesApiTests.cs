using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ChitBox.Mail.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace ChitBox.Tests.Api;

public sealed class MessagesApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Message_detail_has_every_contract_field_in_the_contracts_order()
    {
        var user = await TestUser.CreateAsync(factory);
        var mime = MailSeeder.Build(
            "Detail",
            text: "Plain body",
            html: "<p>Hello <b>there</b></p>",
            attachments: [("notes.txt", "text/plain", "some notes"u8.ToArray(), ContentEncoding.QuotedPrintable)]);
        mime.InReplyTo = "parent-id@example.org";
        var seeded = await MailSeeder.DeliverAsync(factory.Services, user.Id, mime, publish: false);
        using var client = factory.CreateClientFor(user);

        var message = await client.GetFromJsonAsync<JsonElement>($"/api/messages/{seeded.Id}");

        Assert.Equal(
            new[]
            {
                "id", "threadId", "folderId", "fromEmail", "fromName", "subject", "snippet", "isRead", "hasAttachments", "sentAt", "createdAt",
                "to", "cc", "bodyText", "bodyHtml", "messageId", "inReplyTo", "attachments",
            },
            message.EnumerateObject().Select(p => p.Name));
        Assert.Equal(seeded.ThreadId, message.GetProperty("threadId").GetGuid());
        Assert.Equal("Detail", message.GetProperty("subject").GetString());
        Assert.Equal("bob@chitbox.local", message.GetProperty("to")[0].GetProperty("email").GetString());
        Assert.Equal("Bob", message.GetProperty("to")[0].GetProperty("name").GetString());
        Assert.Equal("carol@chitbox.local", message.GetProperty("cc")[0].GetProperty("email").GetString());
        Assert.StartsWith("Plain body", message.GetProperty("bodyText").GetString());
        Assert.Contains("<b>there</b>", message.GetProperty("bodyHtml").GetString());
        Assert.Equal(mime.MessageId, message.GetProperty("messageId").GetString());
        Assert.Equal("parent-id@example.org", message.GetProperty("inReplyTo").GetString());
        Assert.True(message.GetProperty("hasAttachments").GetBoolean());
        var attachment = Assert.Single(message.GetProperty("attachments").EnumerateArray());
        Assert.Equal(
            new[] { "id", "fileName", "contentType", "size", "contentId", "isInline" }.Order(),
            attachment.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal("notes.txt", attachment.GetProperty("fileName").GetString());
        Assert.Equal("text/plain", attachment.GetProperty("contentType").GetString());
        Assert.Equal(10, attachment.GetProperty("size").GetInt64());
        Assert.Equal(JsonValueKind.Null, attachment.GetProperty("contentId").ValueKind);
        Assert.False(attachment.GetProperty("isInline").GetBoolean());
    }

    [Fact]
    public async Task Message_detail_html_has_no_scripts_handlers_forms_or_remote_loads_but_keeps_cid_images()
    {
        var user = await TestUser.CreateAsync(factory);
        const string html = """
            <p onclick="steal()">Hi</p><script>alert(1)</script>
            <img src="x" onerror="alert(2)"><img src="https://tracker.example/pixel.gif"><img src="cid:logo@example">
            <a href="javascript:alert(3)">bad</a><a href="https://example.org/page">good</a>
            <form action="https://evil.example/"><input name="password"></form>
            <div style="background-image: url('https://tracker.example/bg.png')">styled</div>
            """;
        var seeded = await MailSeeder.DeliverAsync(factory.Services, user.Id, MailSeeder.Build("Unsafe", html: html), publish: false);
        using var client = factory.CreateClientFor(user);

        var message = await client.GetFromJsonAsync<JsonElement>($"/api/messages/{seeded.Id}");
        var safe = message.GetProperty("bodyHtml").GetString()!;

        Assert.DoesNotContain("<script", safe, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("onerror", safe, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("onclick", safe, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("javascript:", safe, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("tracker.example", safe, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<form", safe, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<input", safe, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("cid:logo@example", safe);
        Assert.Contains("https://example.org/page", safe);

        var raw = await client.GetByteArrayAsync($"/api/messages/{seeded.Id}/raw");
        Assert.Contains("<script>alert(1)</script>", Encoding.UTF8.GetString(raw));
    }

    public static TheoryData<string, string> HostileHtml => new()
    {
        // Superlinear in nesting depth for the HTML parser: minutes at this size.
        { "nested", string.Concat(Enumerable.Repeat("<div>", 100_000)) + "Deep &amp; <b>bold</b><script>alert(1)</script>" },
        // Every paragraph re-creates every unclosed formatting element before it: tens of MB of output.
        { "formatting", "Deep &amp; <b>bold</b>" + string.Concat(Enumerable.Range(0, 3_000).Select(i => $"<b class=\"c{i}\"><p>")) },
        // </q_x> closes no q_ (a tag name runs to whitespace, '/' or '>'): 40,000 deep, and every
        // end tag walks them all. About 10 s of CPU per read before the guard read names that way.
        { "misnamed end tags", "<html><body>" + string.Concat(Enumerable.Repeat("<q_></q_x>", 40_000)) + "Deep &amp; <b>bold</b></body></html>" },
    };

    [Theory]
    [MemberData(nameof(HostileHtml))]
    public async Task Html_too_costly_to_parse_is_served_as_encoded_text(string kind, string html)
    {
        var user = await TestUser.CreateAsync(factory);
        var seeded = await MailSeeder.DeliverAsync(factory.Services, user.Id, MailSeeder.Build("Hostile " + kind, html: html), publish: false);
        using var client = factory.CreateClientFor(user);

        var message = await client.GetFromJsonAsync<JsonElement>($"/api/messages/{seeded.Id}");

        Assert.Equal("<pre>Deep &amp; bold</pre>", message.GetProperty("bodyHtml").GetString());
    }

    [Fact]
    public async Task Html_of_ordinary_depth_is_still_sanitized_not_flattened()
    {
        var user = await TestUser.CreateAsync(factory);
        var html = string.Concat(Enumerable.Repeat("<table><tr><td>", 40)) + "<p onclick=\"steal()\">Deep</p><script>alert(1)</script>";
        var seeded = await MailSeeder.DeliverAsync(factory.Services, user.Id, MailSeeder.Build("Ordinary", html: html), publish: false);
        using var client = factory.CreateClientFor(user);

        var message = await client.GetFromJsonAsync<JsonElement>($"/api/messages/{seeded.Id}");

        var safe = message.GetProperty("bodyHtml").GetString()!;
        Assert.StartsWith("<table>", safe);
        Assert.Contains("<p>Deep</p>", safe);
        Assert.DoesNotContain("<script", safe);
    }

    [Fact]
    public async Task Raw_is_the_trace_headers_followed_by_the_stored_bytes()
    {
        var user = await TestUser.CreateAsync(factory);
        var seeded = await MailSeeder.DeliverAsync(factory.Services, user.Id, MailSeeder.Build("Raw"), publish: false);
        using var client = factory.CreateClientFor(user);

        var response = await client.GetAsync($"/api/messages/{seeded.Id}/raw");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("message/rfc822", response.Content.Headers.ContentType?.MediaType);
        var expected = Encoding.UTF8.GetBytes(seeded.TraceHeaders).Concat(seeded.Raw).ToArray();
        Assert.Equal(expected, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(expected.Length, response.Content.Headers.ContentLength);
    }

    [Theory]
    [InlineData(ContentEncoding.Base64)]
    [InlineData(ContentEncoding.QuotedPrintable)]
    [InlineData(ContentEncoding.SevenBit)]
    public async Task Attachment_downloads_decoded_byte_exact(ContentEncoding encoding)
    {
        var user = await TestUser.CreateAsync(factory);
        // Quoted-printable and 7bit carry text (their line breaks are CRLF); base64 carries anything.
        var content = encoding switch
        {
            ContentEncoding.SevenBit => Encoding.ASCII.GetBytes(string.Join("\r\n", Enumerable.Range(0, 200).Select(i => $"line {i} of the report"))),
            ContentEncoding.QuotedPrintable => Encoding.UTF8.GetBytes(string.Join("\r\n", Enumerable.Range(0, 300).Select(i => $"Zeile {i}: Größe = {i * 3}; naïve café {new string('x', i % 120)}"))),
            _ => Enumerable.Range(0, 70_000).Select(i => (byte)(i * 7 % 256)).ToArray(),
        };
        var seeded = await MailSeeder.DeliverAsync(
            factory.Services, user.Id,
            MailSeeder.Build("Attached", attachments: [("data.bin", "application/octet-stream", content, encoding)]),
            publish: false);
        using var client = factory.CreateClientFor(user);

        var response = await client.GetAsync($"/api/attachments/{seeded.Attachments[0].Id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal(content, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_25_MB_attachment_downloads_byte_exact()
    {
        var user = await TestUser.CreateAsync(factory);
        var content = new byte[25 * 1024 * 1024];
        new Random(25).NextBytes(content);
        var seeded = await MailSeeder.DeliverAsync(
            factory.Services, user.Id,
            MailSeeder.Build("Big", attachments: [("big.bin", "application/octet-stream", content, ContentEncoding.Base64)]),
            publish: false);
        using var client = factory.CreateClientFor(user);

        using var response = await client.GetAsync($"/api/attachments/{seeded.Attachments[0].Id}", HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(content.Length, response.Content.Headers.ContentLength);
        await using var body = await response.Content.ReadAsStreamAsync();
        Assert.Equal(SHA256.HashData(content), await SHA256.HashDataAsync(body));
    }

    [Fact]
    public async Task Attachment_with_a_non_ascii_name_has_an_rfc6266_filename_star()
    {
        var user = await TestUser.CreateAsync(factory);
        var seeded = await MailSeeder.DeliverAsync(
            factory.Services, user.Id,
            MailSeeder.Build("Named", attachments: [("Prüfbericht 2026 – Ωmega.pdf", "application/pdf", "%PDF-1.4"u8.ToArray(), ContentEncoding.Base64)]),
            publish: false);
        using var client = factory.CreateClientFor(user);

        var response = await client.GetAsync($"/api/attachments/{seeded.Attachments[0].Id}");

        var header = response.Content.Headers.GetValues("Content-Disposition").Single();
        Assert.StartsWith("attachment", header);
        Assert.Contains("filename*=UTF-8''Pr%C3%BCfbericht", header);
        Assert.Equal("Prüfbericht 2026 – Ωmega.pdf", response.Content.Headers.ContentDisposition?.FileNameStar);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Inline_image_is_listed_with_its_content_id_and_served_inline()
    {
        var user = await TestUser.CreateAsync(factory);
        var png = new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3 };
        var seeded = await MailSeeder.DeliverAsync(
            factory.Services, user.Id,
            MailSeeder.Build("Inline", html: "<img src=\"cid:logo@example\">", inline: [("logo@example", "image/png", png)]),
            publish: false);
        using var client = factory.CreateClientFor(user);

        var message = await client.GetFromJsonAsync<JsonElement>($"/api/messages/{seeded.Id}");
        var attachment = Assert.Single(message.GetProperty("attachments").EnumerateArray());
        Assert.Equal("logo@example", attachment.GetProperty("contentId").GetString());
        Assert.True(attachment.GetProperty("isInline").GetBoolean());

        var response = await client.GetAsync($"/api/attachments/{attachment.GetProperty("id").GetGuid()}");
        Assert.Equal("inline", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal(png, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Patch_marks_read_and_moves_to_another_folder()
    {
        var user = await TestUser.CreateAsync(factory);
        var seeded = await MailSeeder.DeliverAsync(factory.Services, user.Id, MailSeeder.Build("Patch me"), publish: false);
        using var client = factory.CreateClientFor(user);
        var archive = await FolderIdAsync(client, "archive");

        var read = await client.PatchAsJsonAsync($"/api/messages/{seeded.Id}", new { isRead = true });
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var readBody = await read.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(readBody.GetProperty("isRead").GetBoolean());
        Assert.Equal(seeded.FolderId, readBody.GetProperty("folderId").GetGuid());

        var moved = await client.PatchAsJsonAsync($"/api/messages/{seeded.Id}", new { folderId = archive });
        var movedBody = await moved.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(archive, movedBody.GetProperty("folderId").GetGuid());
        Assert.True(movedBody.GetProperty("isRead").GetBoolean());

        var archived = await client.GetFromJsonAsync<JsonElement>($"/api/folders/{archive}/messages");
        Assert.Equal(seeded.Id, Assert.Single(archived.GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task Delete_moves_to_trash_then_deletes_for_good_with_its_raw_bytes()
    {
        var user = await TestUser.CreateAsync(factory);
        var seeded = await MailSeeder.DeliverAsync(
            factory.Services, user.Id,
            MailSeeder.Build("Delete me", attachments: [("a.txt", "text/plain", "abc"u8.ToArray(), ContentEncoding.Base64)]),
            publish: false);
        using var client = factory.CreateClientFor(user);
        var trash = await FolderIdAsync(client, "trash");

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/messages/{seeded.Id}")).StatusCode);
        var inTrash = await client.GetFromJsonAsync<JsonElement>($"/api/messages/{seeded.Id}");
        Assert.Equal(trash, inTrash.GetProperty("folderId").GetGuid());

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/messages/{seeded.Id}")).StatusCode);
        await ProblemAssert.IsProblemAsync(await client.GetAsync($"/api/messages/{seeded.Id}"), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await client.GetAsync($"/api/attachments/{seeded.Attachments[0].Id}"), HttpStatusCode.NotFound);
        Assert.False(await RawExistsAsync(seeded.RawMessageId));
    }

    [Fact]
    public async Task Deleting_one_recipients_copy_for_good_keeps_the_raw_bytes_another_copy_uses()
    {
        var alice = await TestUser.CreateAsync(factory, "alice");
        var bob = await TestUser.CreateAsync(factory, "bob");
        var copies = await MailSeeder.DeliverToAllAsync(factory.Services, [alice.Id, bob.Id], MailSeeder.Build("Shared"), publish: false);
        using var aliceClient = factory.CreateClientFor(alice);
        using var bobClient = factory.CreateClientFor(bob);

        await aliceClient.DeleteAsync($"/api/messages/{copies[0].Id}");
        await aliceClient.DeleteAsync($"/api/messages/{copies[0].Id}");

        Assert.True(await RawExistsAsync(copies[0].RawMessageId));
        var bobsRaw = await bobClient.GetByteArrayAsync($"/api/messages/{copies[1].Id}/raw");
        Assert.Equal(Encoding.UTF8.GetBytes(copies[1].TraceHeaders).Concat(copies[1].Raw), bobsRaw);

        await bobClient.DeleteAsync($"/api/messages/{copies[1].Id}");
        await bobClient.DeleteAsync($"/api/messages/{copies[1].Id}");
        Assert.False(await RawExistsAsync(copies[0].RawMessageId));
    }

    private async Task<bool> RawExistsAsync(Guid rawMessageId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<MailDbContext>().RawMessages.AnyAsync(r => r.Id == rawMessageId);
    }

    private static async Task<Guid> FolderIdAsync(HttpClient client, string kind)
    {
        var folders = await client.GetFromJsonAsync<JsonElement>("/api/folders");
        return folders.EnumerateArray().Single(f => f.GetProperty("kind").GetString() == kind).GetProperty("id").GetGuid();
    }
}

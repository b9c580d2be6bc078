using ChitBox.SmtpIngress;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using ChitBox.Api;
using ChitBox.Tests.Api;
using ChitBox.Tests.Infrastructure;
using ChitBox.Tests.SmtpIngress.Integration;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Xunit.Abstractions;

namespace ChitBox.Tests.EndToEnd;

/// <summary>
/// The whole path a user sees: mail sent over SMTP to the real ingress reaches the
/// user's browsers on two API instances through Redis, in one trace, and reads back
/// through the API byte for byte.
/// </summary>
public sealed class SmtpToBrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(20);

    private readonly ApiFactory _firstApi = new();
    private readonly ApiFactory _secondApi = new();
    private readonly ConcurrentBag<Activity> _activities = [];
    private ActivityListener? _listener;
    private IngressFactory _ingress = null!;
    private Uri _firstAddress = null!;
    private Uri _secondAddress = null!;

    public async Task InitializeAsync()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is SmtpTelemetry.Name or ApiTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _activities.Add,
        };
        ActivitySource.AddActivityListener(_listener);
        _firstAddress = await _firstApi.StartOnKestrelAsync();
        _secondAddress = await _secondApi.StartOnKestrelAsync();
        _ingress = await IngressFactory.StartAsync();
    }

    public async Task DisposeAsync()
    {
        _listener?.Dispose();
        await _ingress.DisposeAsync();
        await _firstApi.DisposeAsync();
        await _secondApi.DisposeAsync();
    }

    [Fact]
    public async Task Mail_sent_over_smtp_is_pushed_to_every_browser_of_each_recipient_and_to_no_one_else()
    {
        var alice = await TestUser.CreateAsync(_firstApi, "alice");
        var carol = await TestUser.CreateAsync(_secondApi, "carol");
        var bob = await TestUser.CreateAsync(_firstApi, "bob");
        await using var aliceOnFirst = await NewEmailListener.ConnectAsync(_firstAddress, alice);
        await using var aliceOnSecond = await NewEmailListener.ConnectAsync(_secondAddress, alice);
        await using var carolOnSecond = await NewEmailListener.ConnectAsync(_secondAddress, carol);
        await using var bobOnFirst = await NewEmailListener.ConnectAsync(_firstAddress, bob);
        await using var bobOnSecond = await NewEmailListener.ConnectAsync(_secondAddress, bob);

        await SendAsync(Message("Lunch?", "Shall we meet at noon?", alice.Email, carol.Email));

        var pushes = new[] { await aliceOnFirst.NextAsync(DeliveryTimeout), await aliceOnSecond.NextAsync(DeliveryTimeout) };
        output.WriteLine(pushes[0].GetRawText());
        Assert.Equal(pushes[0].GetRawText(), pushes[1].GetRawText());
        var email = pushes[0].GetProperty("email");
        Assert.Equal("Lunch?", email.GetProperty("subject").GetString());
        Assert.Equal("sender@example.org", email.GetProperty("fromEmail").GetString());
        Assert.Equal("Sam Sender", email.GetProperty("fromName").GetString());
        Assert.StartsWith("Shall we meet at noon?", email.GetProperty("bodyText").GetString());
        Assert.False(email.GetProperty("isRead").GetBoolean());

        var carols = await carolOnSecond.NextAsync(DeliveryTimeout);
        Assert.NotEqual(email.GetProperty("id").GetGuid(), carols.GetProperty("email").GetProperty("id").GetGuid());

        // What was pushed is what the API lists, in the folder the event names.
        using var aliceHttp = _firstApi.CreateClientFor(alice);
        var folderId = pushes[0].GetProperty("folderId").GetGuid();
        var listing = await aliceHttp.GetFromJsonAsync<JsonElement>($"/api/folders/{folderId}/messages");
        var listed = Assert.Single(listing.GetProperty("items").EnumerateArray());
        Assert.Equal(email.GetProperty("id").GetGuid(), listed.GetProperty("id").GetGuid());
        Assert.Equal(email.GetProperty("createdAt").GetDateTimeOffset(), listed.GetProperty("createdAt").GetDateTimeOffset());

        // A barrier instead of a silence window: events are pushed in order, so had Bob been
        // sent Alice's event, it would arrive before his own.
        await SendAsync(Message("For Bob", "only for bob", bob.Email));
        foreach (var bobs in new[] { bobOnFirst, bobOnSecond })
        {
            Assert.Equal("For Bob", (await bobs.NextAsync(DeliveryTimeout)).GetProperty("email").GetProperty("subject").GetString());
        }

        Assert.False(aliceOnFirst.TryNext(out _), "one event per message per connection");
        Assert.False(aliceOnSecond.TryNext(out _), "one event per message per connection");
    }

    [Fact]
    public async Task The_push_continues_the_trace_of_the_smtp_session()
    {
        var alice = await TestUser.CreateAsync(_firstApi, "alice");
        await using var browser = await NewEmailListener.ConnectAsync(_firstAddress, alice);

        await SendAsync(Message("Traced", "follow me", alice.Email));
        var pushed = await browser.NextAsync(DeliveryTimeout);

        var messageId = pushed.GetProperty("email").GetProperty("id").GetGuid();
        var smtpTraces = _activities.Where(a => a.Source.Name == SmtpTelemetry.Name).Select(a => a.TraceId).ToHashSet();
        var apiTraces = _activities.Where(a => a.Source.Name == ApiTelemetry.Name).Select(a => a.TraceId);
        Assert.Contains(apiTraces, smtpTraces.Contains);
        output.WriteLine($"message {messageId}: {_activities.Count} activities, shared traces found");
    }

    [Fact]
    public async Task Attachments_filed_by_the_ingress_download_byte_exact_through_the_api()
    {
        var alice = await TestUser.CreateAsync(_firstApi, "alice");
        await using var browser = await NewEmailListener.ConnectAsync(_firstAddress, alice);
        var raw = Fixtures.Read("multipart-with-attachments.eml");
        var message = await MimeMessage.LoadAsync(new MemoryStream(raw));
        message.To.Clear();
        message.Cc.Clear();
        message.To.Add(MailboxAddress.Parse(alice.Email));

        await SendAsync(message);
        var messageId = (await browser.NextAsync(DeliveryTimeout)).GetProperty("email").GetProperty("id").GetGuid();

        using var http = _firstApi.CreateClientFor(alice);
        var detail = await http.GetFromJsonAsync<JsonElement>($"/api/messages/{messageId}");
        Assert.Equal("Report — Q3", detail.GetProperty("subject").GetString());
        Assert.Equal("report-q3@example.org", detail.GetProperty("messageId").GetString());
        Assert.Equal("earlier@example.org", detail.GetProperty("inReplyTo").GetString());
        var attachments = detail.GetProperty("attachments").EnumerateArray().ToList();
        Assert.Equal(2, attachments.Count);
        foreach (var part in message.BodyParts.OfType<MimePart>().Where(p => p is not TextPart))
        {
            var expected = new MemoryStream();
            await part.Content!.DecodeToAsync(expected);
            var attachment = attachments.Single(a => a.GetProperty("contentType").GetString() == part.ContentType.MimeType);
            Assert.Equal(expected.Length, attachment.GetProperty("size").GetInt64());
            var downloaded = await http.GetByteArrayAsync($"/api/attachments/{attachment.GetProperty("id").GetGuid()}");
            Assert.Equal(expected.ToArray(), downloaded);
        }

        var rawServed = await http.GetByteArrayAsync($"/api/messages/{messageId}/raw");
        Assert.StartsWith("Return-Path: <", System.Text.Encoding.ASCII.GetString(rawServed, 0, 20));
    }

    private async Task SendAsync(MimeMessage message)
    {
        using var transcript = new TranscriptLogger(output);
        using var smtp = new SmtpClient(transcript.Create());
        await smtp.ConnectAsync("127.0.0.1", _ingress.SmtpPort, SecureSocketOptions.None);
        await smtp.SendAsync(message);
        await smtp.DisconnectAsync(quit: true);
    }

    private static MimeMessage Message(string subject, string text, params string[] to)
    {
        var message = new MimeMessage { Subject = subject, Body = new TextPart("plain") { Text = text } };
        message.From.Add(new MailboxAddress("Sam Sender", "sender@example.org"));
        message.To.AddRange(to.Select(MailboxAddress.Parse));
        return message;
    }
}

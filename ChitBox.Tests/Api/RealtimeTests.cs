using System.Diagnostics;
using System.Text.Json;
using ChitBox.Api;
using ChitBox.Api.Auth;
using ChitBox.Mail.Users;
using ChitBox.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ChitBox.Mail.Notifications;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;

namespace ChitBox.Tests.Api;

/// <summary>Two API instances on real sockets sharing the one Redis, as a scaled-out deployment.</summary>
public sealed class RealtimeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(20);

    // Passed through as the event's JSON token: quotes, escapes, markup, non-ASCII and the
    // separators JavaScript treats as line ends must all arrive as sent.
    private const string PushedBody = "Pushed body \"quoted\" \\ <b>&amp;</b>\nSchöne Grüße — 你好 \U0001F600 \u2028\u2029\t\u0001 end";

    private readonly ApiFactory _first = new();
    private readonly ApiFactory _second = new();
    private Uri _firstAddress = null!;
    private Uri _secondAddress = null!;

    public async Task InitializeAsync()
    {
        _firstAddress = await _first.StartOnKestrelAsync();
        _secondAddress = await _second.StartOnKestrelAsync();
        output.WriteLine($"instances: {_firstAddress} {_secondAddress}");
    }

    [Fact]
    public async Task New_email_reaches_the_users_connections_on_every_instance_and_no_one_else()
    {
        var alice = await TestUser.CreateAsync(_first, "alice");
        var bob = await TestUser.CreateAsync(_second, "bob");
        await using var aliceOnFirst = await ConnectAsync(_firstAddress, alice);
        await using var aliceOnSecond = await ConnectAsync(_secondAddress, alice);
        await using var bobOnFirst = await ConnectAsync(_firstAddress, bob);
        await using var bobOnSecond = await ConnectAsync(_secondAddress, bob);

        var seeded = await MailSeeder.DeliverAsync(
            _first.Services, alice.Id,
            MailSeeder.Build("Live", text: PushedBody, html: "<p>Hi</p><script>alert(1)</script><img src=x onerror=alert(2)>"));

        foreach (var connection in new[] { aliceOnFirst, aliceOnSecond })
        {
            var payload = await connection.NextAsync(DeliveryTimeout);
            output.WriteLine(payload.GetRawText());
            AssertPayload(payload, seeded, "Live");
        }

        // A barrier instead of a silence window: events travel in order on one Redis channel
        // and each instance pushes them in order, so once Bob's own message reaches him,
        // Alice's, published before it, has been handled everywhere. Had it gone to Bob, it
        // would be the first thing he received. Both are published on the same Redis connection.
        var forBob = await MailSeeder.DeliverAsync(
            _first.Services, bob.Id,
            MailSeeder.Build("Barrier", text: PushedBody, html: "<p>Hi</p>"));
        foreach (var connection in new[] { bobOnFirst, bobOnSecond })
        {
            var first = await connection.NextAsync(DeliveryTimeout);
            output.WriteLine(first.GetRawText());
            AssertPayload(first, forBob, "Barrier");
            Assert.False(connection.TryNext(out var extra), $"Bob received more than his own message: {extra}");
        }

        Assert.False(aliceOnFirst.TryNext(out _), "each event is delivered once per connection");
        Assert.False(aliceOnSecond.TryNext(out _), "each event is delivered once per connection");
    }

    [Fact]
    public async Task The_push_continues_the_trace_the_event_carries()
    {
        var pushedTraces = new System.Collections.Concurrent.ConcurrentBag<ActivityTraceId>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ApiTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            // Started, not stopped: the push sends without waiting, so the client may hold the
            // event before the span ends.
            ActivityStarted = activity => pushedTraces.Add(activity.TraceId),
        };
        ActivitySource.AddActivityListener(listener);
        var alice = await TestUser.CreateAsync(_first, "alice");
        await using var connection = await ConnectAsync(_firstAddress, alice);

        var seeded = await MailSeeder.DeliverAsync(_first.Services, alice.Id, MailSeeder.Build("Traced"));
        await connection.NextAsync(DeliveryTimeout);

        Assert.Contains(seeded.TraceId, pushedTraces);
    }

    [Fact]
    public async Task Bodies_too_long_for_the_event_are_pushed_whole_from_the_stored_message()
    {
        var alice = await TestUser.CreateAsync(_first, "alice");
        await using var connection = await ConnectAsync(_firstAddress, alice);
        var text = string.Concat(Enumerable.Repeat("A long line of a long message.\n", NewMailContent.MaxInlineBodyChars / 16));

        var seeded = await MailSeeder.DeliverAsync(_first.Services, alice.Id, MailSeeder.Build("Long", text: text, html: "<p>long</p>"));
        var payload = await connection.NextAsync(DeliveryTimeout);

        Assert.True(NewMailContent.Create(null, null, null, text, null, default, default).BodiesOmitted, "the event itself leaves the bodies out");
        var email = payload.GetProperty("email");
        Assert.Equal(seeded.Id, email.GetProperty("id").GetGuid());
        Assert.Equal(seeded.Entity.BodyText, email.GetProperty("bodyText").GetString());
        Assert.Contains("long", email.GetProperty("bodyHtml").GetString());
    }

    [Fact]
    public async Task The_hub_refuses_a_connection_without_a_token()
    {
        var connection = new HubConnectionBuilder().WithUrl(new Uri(_firstAddress, "/hubs/mail")).Build();

        await Assert.ThrowsAnyAsync<Exception>(() => connection.StartAsync());
        await connection.DisposeAsync();
    }

    [Theory]
    [InlineData(HttpTransportType.WebSockets)]
    [InlineData(HttpTransportType.ServerSentEvents)]
    [InlineData(HttpTransportType.LongPolling)]
    public async Task New_email_reaches_a_client_on_every_transport(HttpTransportType transport)
    {
        var alice = await TestUser.CreateAsync(_first, "alice");
        await using var listener = await NewEmailListener.ConnectAsync(_firstAddress, alice, transport);

        var seeded = await MailSeeder.DeliverAsync(_first.Services, alice.Id, MailSeeder.Build("Over " + transport, text: PushedBody, html: "<p>Hi</p>"));

        AssertPayload(await listener.NextAsync(DeliveryTimeout), seeded, "Over " + transport);
    }

    [Fact]
    public async Task A_connection_is_closed_once_its_token_expires()
    {
        var alice = await TestUser.CreateAsync(_first, "alice");
        var auth = _first.Services.GetRequiredService<IOptions<AuthOptions>>();
        var clock = new ManualTimeProvider();
        clock.Advance(TimeSpan.FromSeconds(3) - auth.Value.AccessTokenLifetime);
        var token = new AccessTokenIssuer(auth, clock).Issue(
            new User { Id = alice.Id, Email = alice.Email, NormalizedEmail = User.Normalize(alice.Email), PasswordHash = "" }).AccessToken;
        await using var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(_firstAddress, "/hubs/mail"), options => options.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        var closed = new TaskCompletionSource();
        connection.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };

        await connection.StartAsync();

        // Otherwise it would go on receiving the user's mail on a token the API refuses.
        await closed.Task.WaitAsync(DeliveryTimeout);
    }

    private static void AssertPayload(JsonElement payload, SeededMessage seeded, string subject)
    {
        Assert.Equal(new[] { "email", "folderId" }, payload.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(seeded.FolderId, payload.GetProperty("folderId").GetGuid());
        var email = payload.GetProperty("email");
        Assert.Equal(
            new[] { "id", "threadId", "fromEmail", "fromName", "subject", "bodyText", "bodyHtml", "isRead", "sentAt", "createdAt" }.Order(),
            email.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(seeded.Id, email.GetProperty("id").GetGuid());
        Assert.Equal(seeded.ThreadId, email.GetProperty("threadId").GetGuid());
        Assert.Equal("alice@example.org", email.GetProperty("fromEmail").GetString());
        Assert.Equal("Alice Sender", email.GetProperty("fromName").GetString());
        Assert.Equal(subject, email.GetProperty("subject").GetString());
        Assert.Equal(PushedBody, email.GetProperty("bodyText").GetString());
        var html = email.GetProperty("bodyHtml").GetString()!;
        Assert.Contains("<p>Hi</p>", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("onerror", html);
        Assert.False(email.GetProperty("isRead").GetBoolean());
        Assert.Equal(seeded.Entity.CreatedAt, email.GetProperty("createdAt").GetDateTimeOffset());
        Assert.Equal(seeded.Entity.SentAt, email.GetProperty("sentAt").GetDateTimeOffset());
    }

    private static Task<NewEmailListener> ConnectAsync(Uri address, TestUser user) => NewEmailListener.ConnectAsync(address, user);

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }
}

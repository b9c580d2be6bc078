using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using ChitBox.Mail.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ChitBox.Tests.Api;

/// <summary>
/// What a client sees when PostgreSQL drops the API's connections (a restart, a failover) or
/// cannot be reached: the request is retried on a new connection, and only when that fails
/// too is the answer 503 problem+json with Retry-After, never 500.
/// </summary>
public sealed class DatabaseOutageTests(OwnDatabaseApi api) : IClassFixture<OwnDatabaseApi>
{
    private const int PooledConnections = 8;

    public static TheoryData<string, HttpStatusCode> Calls => new()
    {
        { "list folders", HttpStatusCode.OK },
        { "read a message", HttpStatusCode.OK },
        { "download the raw message", HttpStatusCode.OK },
        { "mark read", HttpStatusCode.OK },
        { "move to trash", HttpStatusCode.NoContent },
        { "delete for good", HttpStatusCode.NoContent },
        { "log in", HttpStatusCode.OK },
    };

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task A_call_after_the_database_dropped_every_pooled_connection_succeeds(string call, HttpStatusCode expected)
    {
        var user = await TestUser.CreateAsync(api.Factory, "outage");
        var message = await MailSeeder.DeliverAsync(api.Factory.Services, user.Id, MailSeeder.Build("Before the restart"), publish: false);
        using var client = api.Factory.CreateClientFor(user);
        if (call == "delete for good")
        {
            Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/messages/{message.Id}")).StatusCode);
        }

        await api.FillPoolAsync(PooledConnections);
        Assert.True(await api.TerminateConnectionsAsync() >= PooledConnections);

        var response = await client.SendAsync(Request(call, user, message));

        Assert.Equal(expected, response.StatusCode);
    }

    [Theory]
    [InlineData("list folders")]
    [InlineData("download the raw message")]
    public async Task A_call_while_the_database_refuses_connections_returns_503_problem_with_retry_after(string call)
    {
        var user = await TestUser.CreateAsync(api.Factory, "outage");
        var message = await MailSeeder.DeliverAsync(api.Factory.Services, user.Id, MailSeeder.Build("During the outage"), publish: false);
        using var client = api.Factory.CreateClientFor(user);
        await api.RefuseConnectionsAsync(true);
        try
        {
            await api.TerminateConnectionsAsync();

            var response = await client.SendAsync(Request(call, user, message));

            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable);
            Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        }
        finally
        {
            await api.RefuseConnectionsAsync(false);
        }

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/folders")).StatusCode);
    }

    [Fact]
    public async Task Deleting_for_good_when_the_connection_drops_inside_the_transaction_runs_it_again()
    {
        var dropper = new DropConnectionOnce(api, "FOR UPDATE");
        await using var instance = api.Factory.WithWebHostBuilder(builder => builder.ConfigureServices(services =>
            services.ConfigureDbContext<MailDbContext>(options => options.AddInterceptors(dropper))));
        using var client = instance.CreateClient();
        var user = await TestUser.CreateAsync(client, "outage");
        client.DefaultRequestHeaders.Authorization = new("Bearer", user.AccessToken);
        var message = await MailSeeder.DeliverAsync(instance.Services, user.Id, MailSeeder.Build("Dropped mid-delete"), publish: false);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/messages/{message.Id}")).StatusCode);

        var response = await client.DeleteAsync($"/api/messages/{message.Id}");

        Assert.True(dropper.Dropped);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await ProblemAssert.IsProblemAsync(await client.GetAsync($"/api/messages/{message.Id}"), HttpStatusCode.NotFound);
    }

    private static HttpRequestMessage Request(string call, TestUser user, SeededMessage message) => call switch
    {
        "list folders" => new(HttpMethod.Get, "/api/folders"),
        "read a message" => new(HttpMethod.Get, $"/api/messages/{message.Id}"),
        "download the raw message" => new(HttpMethod.Get, $"/api/messages/{message.Id}/raw"),
        "mark read" => new(HttpMethod.Patch, $"/api/messages/{message.Id}") { Content = JsonContent.Create(new { isRead = true }) },
        "move to trash" or "delete for good" => new(HttpMethod.Delete, $"/api/messages/{message.Id}"),
        "log in" => new(HttpMethod.Post, "/api/auth/login") { Content = JsonContent.Create(new { email = user.Email, password = user.Password }) },
        _ => throw new ArgumentOutOfRangeException(nameof(call)),
    };

    /// <summary>Has PostgreSQL terminate the connection the first command containing <paramref name="marker"/> is about to run on.</summary>
    private sealed class DropConnectionOnce(OwnDatabaseApi api, string marker) : DbCommandInterceptor
    {
        private int _dropped;

        public bool Dropped => _dropped == 1;

        public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            if (command.CommandText.Contains(marker, StringComparison.Ordinal) && Interlocked.Exchange(ref _dropped, 1) == 0)
            {
                await api.TerminateConnectionAsync(((NpgsqlConnection)command.Connection!).ProcessID);
            }

            return result;
        }
    }
}

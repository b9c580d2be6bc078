using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChitBox.Tests.Api;
using ChitBox.Tests.Infrastructure;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Xunit.Abstractions;

namespace ChitBox.Tests.AppHost;

/// <summary>Starts the real stack as a developer does, checks it, and stops it.</summary>
public sealed partial class AppHostSmokeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AppHost_starts_every_resource_healthy_and_sigint_stops_every_child()
    {
        using var appHost = AppHostProcess.Start(output);

        await appHost.WaitForLineAsync(l => l.StartsWith("ChitBox is running", StringComparison.Ordinal), StartTimeout);

        var announced = appHost.Output.Where(l => !l.StartsWith('[')).ToList();
        Assert.Contains(announced, l => l.StartsWith("postgres: ", StringComparison.Ordinal));
        Assert.Contains(announced, l => l.StartsWith("redis: ", StringComparison.Ordinal));
        Assert.Contains($"chitbox-api: http://127.0.0.1:{appHost.ApiPort}", announced);
        var smtpLine = Assert.Single(announced, l => l.StartsWith("chitbox-smtp: ", StringComparison.Ordinal));
        Assert.Contains($"smtp://127.0.0.1:{appHost.SmtpPort}", smtpLine);

        using var http = new HttpClient();
        Assert.True((await http.GetAsync($"http://127.0.0.1:{appHost.ApiPort}/health")).IsSuccessStatusCode);
        Assert.True((await http.GetAsync($"http://127.0.0.1:{appHost.ApiPort}/alive")).IsSuccessStatusCode);
        Assert.True((await http.GetAsync(HealthUrl().Match(smtpLine).Value)).IsSuccessStatusCode);
        Assert.StartsWith("220 ", await GreetingAsync(appHost.SmtpPort));
        await AssertMailIsFiledAsync(appHost);

        var children = appHost.Descendants();
        Assert.True(children.Count >= 3, $"expected postgres, redis and two services under the AppHost, found {children.Count}");

        appHost.Interrupt();
        await appHost.WaitForExitAsync(StopTimeout);

        Assert.Equal(0, appHost.ExitCode);
        Assert.DoesNotContain(children, ProcessTree.IsAlive);
        Assert.False(await Loopback.AcceptsConnectionsAsync(appHost.ApiPort));
        Assert.False(await Loopback.AcceptsConnectionsAsync(appHost.SmtpPort));
    }

    [Fact]
    public async Task A_child_that_dies_is_reported_and_the_stack_stops_with_an_error()
    {
        using var appHost = AppHostProcess.Start(output);
        await appHost.WaitForLineAsync(l => l.StartsWith("ChitBox is running", StringComparison.Ordinal), StartTimeout);
        var children = appHost.Descendants();
        var api = Assert.Single(children, pid => ProcessTree.CommandLine(pid).Contains("ChitBox.Api.dll"));

        Process.GetProcessById(api).Kill();

        await appHost.WaitForLineAsync(l => l.StartsWith("chitbox-api stopped unexpectedly", StringComparison.Ordinal), StopTimeout);
        await appHost.WaitForExitAsync(StopTimeout);
        Assert.Equal(1, appHost.ExitCode);
        Assert.DoesNotContain(children, ProcessTree.IsAlive);
    }

    [Fact]
    public async Task A_port_in_use_stops_the_apphost_before_it_starts_anything_with_a_message_naming_the_setting()
    {
        using var blocker = new TcpListener(System.Net.IPAddress.Loopback, 0);
        blocker.Start();
        var port = ((System.Net.IPEndPoint)blocker.LocalEndpoint).Port;
        using var appHost = AppHostProcess.Start(output, new Dictionary<string, string> { ["AppHost__SmtpPort"] = port.ToString() });

        await appHost.WaitForExitAsync(StopTimeout);

        Assert.Equal(1, appHost.ExitCode);
        Assert.Contains(appHost.Output, l => l.Contains($"Port {port} is already in use") && l.Contains("AppHost__SmtpPort"));
        Assert.DoesNotContain(appHost.Output, l => l.StartsWith("[postgres]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Missing_postgres_binaries_stop_the_apphost_with_a_message_naming_the_package()
    {
        using var appHost = AppHostProcess.Start(output, new Dictionary<string, string> { ["CHITBOX_PG_BIN"] = "/nonexistent/postgresql/bin" });

        await appHost.WaitForExitAsync(StopTimeout);

        Assert.Equal(1, appHost.ExitCode);
        Assert.Contains(appHost.Output, l => l.Contains("apt-get install postgresql") && l.Contains("ConnectionStrings__chitbox"));
    }

    /// <summary>
    /// The services as the AppHost runs them (own processes, their socket settings) take a
    /// small message and one large enough to be parsed off the socket thread, and list both.
    /// </summary>
    private static async Task AssertMailIsFiledAsync(AppHostProcess appHost)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{appHost.ApiPort}") };
        var user = await TestUser.CreateAsync(http, "apphost");
        http.DefaultRequestHeaders.Authorization = new("Bearer", user.AccessToken);

        using (var smtp = new SmtpClient())
        {
            await smtp.ConnectAsync("127.0.0.1", appHost.SmtpPort, SecureSocketOptions.None);
            foreach (var (subject, body) in new[] { ("small", "Hello."), ("large", string.Join('\n', Enumerable.Repeat(new string('y', 76), 2_000))) })
            {
                var message = new MimeMessage { Subject = subject, Body = new TextPart("plain") { Text = body } };
                message.From.Add(MailboxAddress.Parse("sender@example.org"));
                message.To.Add(MailboxAddress.Parse(user.Email));
                await smtp.SendAsync(message);
            }

            await smtp.DisconnectAsync(quit: true);
        }

        var folders = await http.GetFromJsonAsync<JsonElement>("/api/folders");
        var inbox = folders.EnumerateArray().Single(f => f.GetProperty("kind").GetString() == "inbox").GetProperty("id").GetString();
        var listed = await http.GetFromJsonAsync<JsonElement>($"/api/folders/{inbox}/messages");
        var subjects = listed.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("subject").GetString()).Order().ToList();
        Assert.Equal(["large", "small"], subjects);
    }

    private static async Task<string> GreetingAsync(int port)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        using var reader = new StreamReader(client.GetStream());
        return await reader.ReadLineAsync() ?? "";
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+/health")]
    private static partial Regex HealthUrl();
}

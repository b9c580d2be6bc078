using ChitBox.LocalInfrastructure;
using ChitBox.Mail.Data;
using ChitBox.Tests.Infrastructure;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Npgsql;
using Xunit.Abstractions;

namespace ChitBox.Tests.SmtpIngress.Integration;

/// <summary>The ingress when its database or Redis goes away, and when it is stopped mid-transaction.</summary>
public sealed class SmtpResilienceTests(ITestOutputHelper output)
{
    [Fact]
    public async Task While_the_database_is_down_mail_gets_451_and_once_it_is_back_250()
    {
        using var dataDirectory = TemporaryDirectory.Create("pg");
        var postgres = await LocalPostgres.StartAsync(dataDirectory);
        var port = postgres.Port;
        await using (var dataSource = MailDataExtensions.CreateDataSource(postgres.ConnectionString))
        {
            await MailSchema.MigrateAsync(dataSource, CancellationToken.None);
        }

        var bob = TestUsers.UniqueAddress("bob");
        var bobId = await TestUsers.CreateAsync(postgres.ConnectionString, bob);
        await using var ingress = await IngressFactory.StartAsync(postgres: postgres.ConnectionString);
        try
        {
            Assert.StartsWith("250 2.0.0", await SendAsync(ingress, bob, "before"));

            await postgres.DisposeAsync();
            Assert.StartsWith("451 4.3.0", await SendAsync(ingress, bob, "while down"));

            postgres = await LocalPostgres.StartAsync(dataDirectory, port);
            Assert.StartsWith("250 2.0.0", await SendAsync(ingress, bob, "after"));

            // This test's own pooled connections died with the old server.
            NpgsqlConnection.ClearAllPools();
            var subjects = (await StoredMail.ForUserAsync(postgres.ConnectionString, bobId)).Select(m => m.Subject);
            Assert.Equal(["before", "after"], subjects);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await postgres.DisposeAsync();
        }
    }

    [Fact]
    public async Task While_redis_is_down_mail_is_still_accepted_and_filed()
    {
        var servers = await TestServers.GetAsync();
        var redis = await LocalRedis.StartAsync();
        await using var ingress = await IngressFactory.StartAsync(redis: redis.ConnectionString);
        var bob = TestUsers.UniqueAddress("bob");
        var bobId = await TestUsers.CreateAsync(servers.PostgresConnectionString, bob);

        await redis.DisposeAsync();

        Assert.StartsWith("250 2.0.0", await SendAsync(ingress, bob, "no redis"));
        Assert.Equal("no redis", Assert.Single(await StoredMail.ForUserAsync(servers.PostgresConnectionString, bobId)).Subject);
    }

    [Fact]
    public async Task On_shutdown_an_idle_session_gets_421_and_a_transaction_in_flight_completes()
    {
        var servers = await TestServers.GetAsync();
        var ingress = await IngressFactory.StartAsync();
        var bob = TestUsers.UniqueAddress("bob");
        var bobId = await TestUsers.CreateAsync(servers.PostgresConnectionString, bob);

        var (idle, _) = await SmtpTestClient.ConnectAsync(ingress.SmtpPort, output);
        await using var __ = idle;
        Assert.StartsWith("250", await idle.CommandAsync("EHLO idle.example.org"));
        var (busy, _) = await SmtpTestClient.ConnectAsync(ingress.SmtpPort, output);
        await using var ___ = busy;
        await busy.CommandAsync("EHLO busy.example.org");
        await busy.CommandAsync("MAIL FROM:<alice@example.org>");
        await busy.CommandAsync($"RCPT TO:<{bob}>");
        await busy.CommandAsync("DATA");
        await busy.SendAsync("Subject: in flight\r\n\r\nfirst half, ");

        var stopping = ingress.DisposeAsync().AsTask();

        Assert.StartsWith("421 4.3.2", await idle.ReadReplyAsync());
        Assert.StartsWith("250 2.0.0", await busy.CommandAsync("second half.\r\n."));
        await stopping;
        Assert.Equal("in flight", Assert.Single(await StoredMail.ForUserAsync(servers.PostgresConnectionString, bobId)).Subject);
    }

    [Fact]
    public async Task Starttls_with_mailkit_secures_the_session_and_delivers()
    {
        var servers = await TestServers.GetAsync();
        await using var ingress = await IngressFactory.StartAsync();
        var bob = TestUsers.UniqueAddress("bob");
        var bobId = await TestUsers.CreateAsync(servers.PostgresConnectionString, bob);
        using var transcript = new TranscriptLogger(output);
        using var smtp = new SmtpClient(transcript.Create());
        // The Development certificate is self-signed.
        smtp.ServerCertificateValidationCallback = (_, _, _, _) => true;

        await smtp.ConnectAsync("127.0.0.1", ingress.SmtpPort, SecureSocketOptions.StartTls);
        Assert.True(smtp.IsSecure);
        await smtp.SendAsync(Message(bob, "over tls"));
        await smtp.DisconnectAsync(quit: true);

        var stored = Assert.Single(await StoredMail.ForUserAsync(servers.PostgresConnectionString, bobId));
        Assert.Contains("with ESMTPS", stored.TraceHeaders);
    }

    private async Task<string> SendAsync(IngressFactory ingress, string recipient, string subject)
    {
        var (client, _) = await SmtpTestClient.ConnectAsync(ingress.SmtpPort, output);
        await using var _ = client;
        await client.CommandAsync("EHLO client.example.org");
        await client.CommandAsync("MAIL FROM:<alice@example.org>");
        var rcpt = await client.CommandAsync($"RCPT TO:<{recipient}>");
        if (!rcpt.StartsWith("250", StringComparison.Ordinal))
        {
            return rcpt;
        }

        await client.CommandAsync("DATA");
        return await client.CommandAsync($"Subject: {subject}\r\n\r\nbody\r\n.");
    }

    private static MimeMessage Message(string to, string subject) => new()
    {
        From = { new MailboxAddress("Alice", "alice@example.org") },
        To = { MailboxAddress.Parse(to) },
        Subject = subject,
        Body = new TextPart("plain") { Text = "hello" },
    };
}

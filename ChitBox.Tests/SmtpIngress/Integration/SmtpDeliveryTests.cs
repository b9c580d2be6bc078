using System.Text;
using ChitBox.Tests.Infrastructure;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Xunit.Abstractions;

namespace ChitBox.Tests.SmtpIngress.Integration;

/// <summary>Mail sent over real sockets to the real ingress, checked in the real database.</summary>
public sealed class SmtpDeliveryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private IngressFactory _ingress = null!;
    private string _database = null!;

    public async Task InitializeAsync()
    {
        _database = (await TestServers.GetAsync()).PostgresConnectionString;
        _ingress = await IngressFactory.StartAsync(new Dictionary<string, string> { ["Smtp:MaxMessageSize"] = "200000" });
    }

    public async Task DisposeAsync() => await _ingress.DisposeAsync();

    [Fact]
    public async Task Mail_from_mailkit_is_filed_in_the_inbox_with_trace_headers_before_the_exact_bytes()
    {
        var (bob, bobId) = await RegisterAsync("bob");
        var message = Message(bob, "Hello Bob", "First line\r\n.leading dot\r\nLast line");
        using var transcript = new TranscriptLogger(output);
        using var smtp = new SmtpClient(transcript.Create());
        await smtp.ConnectAsync("127.0.0.1", _ingress.SmtpPort, SecureSocketOptions.None);
        Assert.True(smtp.Capabilities.HasFlag(SmtpCapabilities.Pipelining));
        Assert.True(smtp.Capabilities.HasFlag(SmtpCapabilities.EightBitMime));
        Assert.True(smtp.Capabilities.HasFlag(SmtpCapabilities.UTF8));
        Assert.True(smtp.Capabilities.HasFlag(SmtpCapabilities.Chunking));
        Assert.Equal(200000u, smtp.MaxSize);

        var response = await smtp.SendAsync(message);
        await smtp.DisconnectAsync(quit: true);

        Assert.StartsWith("2.0.0 ", response);
        var stored = Assert.Single(await StoredMail.ForUserAsync(_database, bobId));
        Assert.Equal("Hello Bob", stored.Subject);
        Assert.Equal("alice@example.org", stored.FromEmail);
        Assert.StartsWith("Return-Path: <alice@example.org>\r\nReceived: from ", stored.TraceHeaders);
        Assert.Contains(" with ESMTP id ", stored.TraceHeaders);
        Assert.Contains($"for <{bob}>", stored.TraceHeaders);
        Assert.Contains(response[6..].Trim('<', '>'), stored.TraceHeaders);
        using var sent = new MemoryStream();
        var wire = FormatOptions.Default.Clone();
        wire.NewLineFormat = NewLineFormat.Dos;
        await message.WriteToAsync(wire, sent);
        Assert.Equal(sent.ToArray(), stored.Raw);
        Assert.Contains("\r\n.leading dot\r\n", Encoding.UTF8.GetString(stored.Raw));
    }

    [Fact]
    public async Task Each_registered_recipient_gets_their_own_copy_and_others_are_refused_at_rcpt()
    {
        var (bob, bobId) = await RegisterAsync("bob");
        var (carol, carolId) = await RegisterAsync("carol");
        var (client, _) = await SmtpTestClient.ConnectAsync(_ingress.SmtpPort, output);
        await using var _ = client;

        Assert.StartsWith("250", await client.CommandAsync("EHLO client.example.org"));
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<alice@example.org>"));
        Assert.StartsWith("250 2.1.5", await client.CommandAsync($"RCPT TO:<{bob}>"));
        Assert.StartsWith("250 2.1.5", await client.CommandAsync($"RCPT TO:<{carol.ToUpperInvariant()}>"));
        Assert.StartsWith("550 5.1.1", await client.CommandAsync($"RCPT TO:<{TestUsers.UniqueAddress("nobody")}>"));
        Assert.StartsWith("550 5.7.1", await client.CommandAsync("RCPT TO:<someone@example.org>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        Assert.StartsWith("250 2.0.0 ", await client.CommandAsync("Subject: to both\r\n\r\nHi both\r\n."));

        var bobs = Assert.Single(await StoredMail.ForUserAsync(_database, bobId));
        var carols = Assert.Single(await StoredMail.ForUserAsync(_database, carolId));
        Assert.NotEqual(bobs.Id, carols.Id);
        Assert.NotEqual(bobs.FolderId, carols.FolderId);
        Assert.Equal(bobs.Raw, carols.Raw);
    }

    [Fact]
    public async Task Dot_stuffed_lines_are_unstuffed_in_the_stored_raw_bytes()
    {
        var (bob, bobId) = await RegisterAsync("bob");
        var client = await ReadyForDataAsync(bob);
        await using var _ = client;

        var reply = await client.CommandAsync("Subject: dots\r\n\r\n..one dot\r\n...two dots\r\n..\r\nend\r\n.");

        Assert.StartsWith("250 2.0.0", reply);
        var stored = Assert.Single(await StoredMail.ForUserAsync(_database, bobId));
        Assert.Equal("Subject: dots\r\n\r\n.one dot\r\n..two dots\r\n.\r\nend\r\n", Encoding.ASCII.GetString(stored.Raw));
    }

    [Theory]
    [InlineData("\n.\n")]
    [InlineData("\n.\r\n")]
    [InlineData("\r.\r")]
    [InlineData("\r\n.\n")]
    [InlineData("\r\n.\r")]
    [InlineData("\r.\r\n")]
    public async Task A_smuggled_end_of_data_is_message_data_not_a_second_message(string fakeEnd)
    {
        var (bob, bobId) = await RegisterAsync("bob");
        var (mallory, malloryId) = await RegisterAsync("mallory");
        var client = await ReadyForDataAsync(bob);
        await using var _ = client;

        await client.SendAsync(
            $"Subject: innocent\r\n\r\nhello{fakeEnd}MAIL FROM:<spoof@example.org>\r\nRCPT TO:<{mallory}>\r\nDATA\r\nSubject: smuggled\r\n\r\nevil\r\n.\r\n");
        var replies = new List<string> { await client.ReadReplyAsync() };
        Assert.StartsWith("250 2.0.0", replies[0]);
        Assert.StartsWith("250", await client.CommandAsync("NOOP"));

        var stored = Assert.Single(await StoredMail.ForUserAsync(_database, bobId));
        Assert.Equal("innocent", stored.Subject);
        Assert.Contains("smuggled", Encoding.ASCII.GetString(stored.Raw));
        Assert.Empty(await StoredMail.ForUserAsync(_database, malloryId));
    }

    [Fact]
    public async Task Bdat_in_several_chunks_is_filed_as_one_message()
    {
        var (bob, bobId) = await RegisterAsync("bob");
        var (client, _) = await SmtpTestClient.ConnectAsync(_ingress.SmtpPort, output);
        await using var __ = client;
        await client.CommandAsync("EHLO client.example.org");
        await client.CommandAsync("MAIL FROM:<alice@example.org>");
        await client.CommandAsync($"RCPT TO:<{bob}>");
        var chunks = new[] { "Subject: chunked\r\n", "\r\nfirst part, ", "second part.\r\n.\r\n" };

        Assert.StartsWith("250", await Chunk(client, chunks[0], last: false));
        Assert.StartsWith("250", await Chunk(client, chunks[1], last: false));
        Assert.StartsWith("250 2.0.0", await Chunk(client, chunks[2], last: true));

        var stored = Assert.Single(await StoredMail.ForUserAsync(_database, bobId));
        Assert.Equal("chunked", stored.Subject);
        // BDAT is binary-clean: no dot-unstuffing, no end marker.
        Assert.Equal(string.Concat(chunks), Encoding.ASCII.GetString(stored.Raw));

        static async Task<string> Chunk(SmtpTestClient client, string data, bool last)
        {
            await client.SendAsync($"BDAT {Encoding.ASCII.GetByteCount(data)}{(last ? " LAST" : "")}\r\n{data}");
            return await client.ReadReplyAsync();
        }
    }

    [Fact]
    public async Task Eight_bit_utf8_mail_reaches_a_user_with_a_utf8_local_part()
    {
        var (address, userId) = await RegisterAsync("用户");
        var message = Message(address, "Grüße aus Köln", "Schöne Grüße — 你好");
        message.From.Clear();
        message.From.Add(new MailboxAddress("Jürgen", "jürgen@example.org"));
        foreach (var part in message.BodyParts.OfType<TextPart>())
        {
            part.ContentTransferEncoding = ContentEncoding.EightBit;
        }

        using var transcript = new TranscriptLogger(output);
        using var smtp = new SmtpClient(transcript.Create());
        await smtp.ConnectAsync("127.0.0.1", _ingress.SmtpPort, SecureSocketOptions.None);
        await smtp.SendAsync(message);
        await smtp.DisconnectAsync(quit: true);

        var stored = Assert.Single(await StoredMail.ForUserAsync(_database, userId));
        Assert.Equal("Grüße aus Köln", stored.Subject);
        Assert.Equal("jürgen@example.org", stored.FromEmail);
        Assert.Contains("Schöne Grüße — 你好", stored.BodyText);
        Assert.StartsWith("Return-Path: <jürgen@example.org>\r\n", stored.TraceHeaders);
        Assert.Contains(" with UTF8SMTP id ", stored.TraceHeaders);
    }

    [Fact]
    public async Task A_bounce_keeps_its_null_return_path()
    {
        var (bob, bobId) = await RegisterAsync("bob");
        var (client, _) = await SmtpTestClient.ConnectAsync(_ingress.SmtpPort, output);
        await using var _ = client;
        Assert.StartsWith("250", await client.CommandAsync("EHLO mailer.example.org"));
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<>"));
        Assert.StartsWith("250 2.1.5", await client.CommandAsync($"RCPT TO:<{bob}>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));

        Assert.StartsWith("250 2.0.0", await client.CommandAsync("Subject: Undelivered Mail Returned to Sender\r\n\r\nbounced\r\n."));

        var stored = Assert.Single(await StoredMail.ForUserAsync(_database, bobId));
        Assert.StartsWith("Return-Path: <>\r\nReceived: from mailer.example.org ", stored.TraceHeaders);
    }

    [Fact]
    public async Task A_message_over_the_size_limit_during_data_is_refused_with_552_and_not_stored()
    {
        var (bob, bobId) = await RegisterAsync("bob");
        var client = await ReadyForDataAsync(bob);
        await using var _ = client;

        var big = new StringBuilder("Subject: too big\r\n\r\n");
        while (big.Length < 300_000)
        {
            big.Append("0123456789012345678901234567890123456789012345678901234567890123456789\r\n");
        }

        var reply = await client.CommandAsync(big.Append('.').ToString());

        Assert.StartsWith("552 5.3.4", reply);
        Assert.StartsWith("250", await client.CommandAsync("RSET"));
        Assert.Empty(await StoredMail.ForUserAsync(_database, bobId));
    }

    [Fact]
    public async Task A_declared_size_over_the_limit_is_refused_at_mail()
    {
        var (client, _) = await SmtpTestClient.ConnectAsync(_ingress.SmtpPort, output);
        await using var __ = client;
        await client.CommandAsync("EHLO client.example.org");

        Assert.StartsWith("552 5.3.4", await client.CommandAsync("MAIL FROM:<alice@example.org> SIZE=999999999"));
    }

    [Fact]
    public async Task A_client_vanishing_mid_data_leaves_nothing_stored()
    {
        var (bob, bobId) = await RegisterAsync("bob");
        var vanishing = await ReadyForDataAsync(bob);
        await vanishing.SendAsync("Subject: half\r\n\r\nonly half of the body");
        await vanishing.DisposeAsync();

        // A complete message afterwards, then a moment for the server to act on the hang-up:
        // a server that took the end of the connection for the end of the data would have
        // filed the half message by then.
        var complete = await ReadyForDataAsync(bob);
        await using var _ = complete;
        Assert.StartsWith("250 2.0.0", await complete.CommandAsync("Subject: whole\r\n\r\nall of it\r\n."));
        await Task.Delay(500);

        var stored = Assert.Single(await StoredMail.ForUserAsync(_database, bobId));
        Assert.Equal("whole", stored.Subject);
    }

    [Fact]
    public async Task Hostile_input_gets_replies_and_the_server_keeps_serving_others()
    {
        var (bob, bobId) = await RegisterAsync("bob");
        var (hostile, _) = await SmtpTestClient.ConnectAsync(_ingress.SmtpPort, output);
        await using (hostile)
        {
            Assert.StartsWith("500 5.5.2", await hostile.CommandAsync(new string('A', 5000)));
            Assert.StartsWith("500", await hostile.CommandAsync("\0\0\0GARBAGE\0"));
            Assert.StartsWith("501", await hostile.CommandAsync("MAIL FROM:<<<@@@>>>"));
            Assert.StartsWith("503 5.5.1", await hostile.CommandAsync("DATA"));
            await hostile.SendAsync(Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 % 251)).ToArray());
        }

        var client = await ReadyForDataAsync(bob);
        await using var __ = client;
        Assert.StartsWith("250 2.0.0", await client.CommandAsync("Subject: still here\r\n\r\nok\r\n."));
        Assert.Single(await StoredMail.ForUserAsync(_database, bobId));
    }

    private async Task<SmtpTestClient> ReadyForDataAsync(string recipient)
    {
        var (client, greeting) = await SmtpTestClient.ConnectAsync(_ingress.SmtpPort, output);
        Assert.StartsWith("220 mx.chitbox.test ESMTP ChitBox SMTP Server", greeting);
        Assert.StartsWith("250", await client.CommandAsync("EHLO client.example.org"));
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<alice@example.org>"));
        Assert.StartsWith("250 2.1.5", await client.CommandAsync($"RCPT TO:<{recipient}>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        return client;
    }

    private async Task<(string Address, Guid Id)> RegisterAsync(string prefix)
    {
        var address = TestUsers.UniqueAddress(prefix);
        return (address, await TestUsers.CreateAsync(_database, address));
    }

    private static MimeMessage Message(string to, string subject, string body) => new()
    {
        From = { new MailboxAddress("Alice", "alice@example.org") },
        To = { MailboxAddress.Parse(to) },
        Subject = subject,
        Date = DateTimeOffset.UtcNow,
        Body = new TextPart("plain") { Text = body },
    };
}

using Xunit.Abstractions;
using System.Text;
using ChitBox.SmtpIngress.Delivery;
using ChitBox.SmtpIngress.Session;

namespace ChitBox.Tests.SmtpIngress.Session;

public sealed class SmtpSessionTests(ITestOutputHelper output)
{
    // --- Greeting, EHLO, HELO -----------------------------------------------------------

    [Fact]
    public async Task Greeting_is_220_with_host_name_and_banner()
    {
        await using var client = SmtpTestClient.Start(output);

        var greeting = await client.ExpectAsync(220);

        Assert.Equal("220 mx.test ESMTP ChitBox SMTP Server", greeting);
    }

    [Fact]
    public async Task Ehlo_advertises_the_extensions()
    {
        await using var client = SmtpTestClient.Start(output);
        await client.ExpectAsync(220);

        var reply = await client.CommandAsync("EHLO client.test", 250);

        var keywords = reply.Split('\n').Select(l => l[4..]).ToList();
        Assert.Contains("PIPELINING", keywords);
        Assert.Contains("SIZE 52428800", keywords);
        Assert.Contains("8BITMIME", keywords);
        Assert.Contains("SMTPUTF8", keywords);
        Assert.Contains("ENHANCEDSTATUSCODES", keywords);
        Assert.Contains("CHUNKING", keywords);
        Assert.DoesNotContain("STARTTLS", keywords);
        Assert.All(reply.Split('\n').SkipLast(1), l => Assert.StartsWith("250-", l, StringComparison.Ordinal));
        Assert.StartsWith("250 ", reply.Split('\n')[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ehlo_advertises_starttls_when_a_certificate_is_configured()
    {
        await using var client = SmtpTestClient.Start(output, tls: new FakeTlsUpgrader());
        await client.ExpectAsync(220);

        var reply = await client.CommandAsync("EHLO client.test", 250);

        Assert.Contains("250-STARTTLS", reply.Split('\n').Select(l => l.Replace("250 ", "250-", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Ehlo_advertises_the_configured_size()
    {
        await using var client = SmtpTestClient.Start(output, o => o.MaxMessageSize = 1000);
        await client.ExpectAsync(220);

        var reply = await client.CommandAsync("EHLO client.test", 250);

        Assert.Contains("SIZE 1000", reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Helo_is_accepted_and_mail_can_follow()
    {
        await using var client = SmtpTestClient.Start(output);
        client.Directory.Add("bob@chitbox.local");
        await client.ExpectAsync(220);

        await client.CommandAsync("HELO client.test", 250);
        await client.CommandAsync("MAIL FROM:<a@example.com>", 250);
        await client.CommandAsync("RCPT TO:<bob@chitbox.local>", 250);
    }

    // --- State table ----------------------------------------------------------------------

    [Theory]
    [InlineData("MAIL FROM:<a@example.com>\r\n")]
    [InlineData("RCPT TO:<bob@chitbox.local>\r\n")]
    [InlineData("DATA\r\n")]
    [InlineData("BDAT 6 LAST\r\nabcdef")]
    public async Task A_transaction_command_before_ehlo_gets_503_asking_for_ehlo(string command)
    {
        await using var client = SmtpTestClient.Start(output);
        await client.ExpectAsync(220);

        await client.SendAsync(command);

        var reply = await client.ExpectAsync(503, "5.5.1");
        Assert.EndsWith("send EHLO or HELO first", reply);
        await client.CommandAsync("NOOP", 250);
    }

    [Fact]
    public async Task Rcpt_before_mail_returns_503()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);

        await client.SendAsync("RCPT TO:<bob@chitbox.local>\r\n");

        await client.ExpectAsync(503, "5.5.1");
    }

    [Fact]
    public async Task Data_before_mail_returns_503()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);

        await client.SendAsync("DATA\r\n");

        await client.ExpectAsync(503, "5.5.1");
    }

    [Fact]
    public async Task Data_with_no_accepted_recipient_returns_503()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);
        await client.CommandAsync("MAIL FROM:<a@example.com>", 250);
        await client.CommandAsync("RCPT TO:<nobody@chitbox.local>", 550);

        await client.SendAsync("DATA\r\n");

        await client.ExpectAsync(503, "5.5.1");
    }

    [Fact]
    public async Task Second_mail_in_a_transaction_returns_503()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);
        await client.CommandAsync("MAIL FROM:<a@example.com>", 250);

        await client.SendAsync("MAIL FROM:<b@example.com>\r\n");

        await client.ExpectAsync(503, "5.5.1");
    }

    [Fact]
    public async Task Rset_ends_the_transaction()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);
        await client.CommandAsync("MAIL FROM:<a@example.com>", 250);
        await client.CommandAsync("RCPT TO:<bob@chitbox.local>", 250);

        await client.SendAsync("RSET\r\n");
        await client.ExpectAsync(250, "2.0.0");

        await client.CommandAsync("RCPT TO:<bob@chitbox.local>", 503);
        await client.CommandAsync("MAIL FROM:<a@example.com>", 250);
    }

    [Fact]
    public async Task Ehlo_in_a_transaction_starts_over()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);
        await client.CommandAsync("MAIL FROM:<a@example.com>", 250);

        await client.CommandAsync("EHLO again.test", 250);

        await client.CommandAsync("RCPT TO:<bob@chitbox.local>", 503);
    }

    // --- Replies in the contract's table ---------------------------------------------------

    [Fact]
    public async Task Registered_recipient_gets_250_2_1_5()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);
        await client.CommandAsync("MAIL FROM:<a@example.com>", 250);

        await client.SendAsync("RCPT TO:<bob@chitbox.local>\r\n");

        await client.ExpectAsync(250, "2.1.5");
    }

    [Fact]
    public async Task Unknown_user_in_a_local_domain_gets_550_5_1_1()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);
        await client.CommandAsync("MAIL FROM:<a@example.com>", 250);

        await client.SendAsync("RCPT TO:<nobody@chitbox.local>\r\n");

        await client.ExpectAsync(550, "5.1.1");
    }

    [Fact]
    public async Task Recipient_in_another_domain_gets_550_5_7_1()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);
        await client.CommandAsync("MAIL FROM:<a@example.com>", 250);

        await client.SendAsync("RCPT TO:<someone@elsewhere.example>\r\n");

        await client.ExpectAsync(550, "5.7.1");
    }

    [Fact]
    public async Task Recipients_over_the_limit_get_452_4_5_3()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output, o => o.MaxRecipients = 2);
        client.Directory.Add("carol@chitbox.local");
        client.Directory.Add("dave@chitbox.local");
        await client.CommandAsync("MAIL FROM:<a@example.com>", 250);
        await client.CommandAsync("RCPT TO:<bob@chitbox.local>", 250);
        await client.CommandAsync("RCPT TO:<carol@chitbox.local>", 250);

        await client.SendAsync("RCPT TO:<dave@chitbox.local>\r\n");

        await client.ExpectAsync(452, "4.5.3");
        await client.CommandAsync("DATA", 354);
        await client.SendAsync("Subject: two\r\n\r\nhi\r\n.\r\n");
        await client.ExpectAsync(250, "2.0.0");
        Assert.Equal(2, Assert.Single(client.Delivery.Delivered).Message.Recipients.Count);
    }

    [Fact]
    public async Task Naming_one_user_more_often_than_the_limit_still_gets_452_4_5_3()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output, o => o.MaxRecipients = 2);
        await client.CommandAsync("MAIL FROM:<a@example.com>", 250);
        await client.CommandAsync("RCPT TO:<bob@chitbox.local>", 250);
        await client.CommandAsync("RCPT TO:<BOB@chitbox.local>", 250);

        await client.SendAsync("RCPT TO:<bob@chitbox.local>\r\n");

        await client.ExpectAsync(452, "4.5.3");
        await client.CommandAsync("DATA", 354);
        await client.SendAsync("Subject: once\r\n\r\nhi\r\n.\r\n");
        await client.ExpectAsync(250, "2.0.0");
        Assert.Single(Assert.Single(client.Delivery.Delivered).Message.Recipients);
    }

    [Fact]
    public async Task A_client_that_pipelines_without_reading_is_disconnected_after_the_idle_timeout()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output, o => o.IdleTimeout = TimeSpan.FromMilliseconds(300));

        // Far more replies than the pipe to the client holds; the client never reads them.
        _ = client.SendAsync(string.Concat(Enumerable.Repeat("NOOP\r\n", 20_000)));

        await client.Running.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_spool_that_cannot_be_written_gets_451_4_3_0_and_the_session_goes_on()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output, o =>
        {
            o.SpoolMemoryThreshold = 4096;
            o.SpoolDirectory = "/nonexistent/chitbox-spool";
        });
        await client.StartDataAsync();

        await client.SendAsync("Subject: big\r\n\r\n" + string.Concat(Enumerable.Repeat(new string('x', 998) + "\r\n", 20)) + ".\r\n");

        await client.ExpectAsync(451, "4.3.0");
        await client.CommandAsync("NOOP", 250);
        Assert.Empty(client.Delivery.Delivered);
    }

    [Fact]
    public async Task A_bdat_whose_size_cannot_be_read_gets_501_and_the_session_closes_before_the_chunk_is_read_as_commands()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);
        await client.CommandAsync("MAIL FROM:<a@example.com>", 250);
        await client.CommandAsync("RCPT TO:<bob@chitbox.local>", 250);

        await client.SendAsync("BDAT twelve\r\nRSET\r\nQUIT\r\n");

        await client.ExpectAsync(501, "5.5.4");
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task Size_parameter_over_the_limit_gets_552_5_3_4()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output, o => o.MaxMessageSize = 10_000);

        await client.SendAsync("MAIL FROM:<a@example.com> SIZE=10001\r\n");

        await client.ExpectAsync(552, "5.3.4");
        await client.CommandAsync("MAIL FROM:<a@example.com> SIZE=10000", 250);
    }

    [Fact]
    public async Task Message_over_the_limit_gets_552_5_3_4_after_its_data_and_the_session_goes_on()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output, o => o.MaxMessageSize = 2048);
        await client.StartDataAsync();

        var body = string.Concat(Enumerable.Repeat("0123456789012345678901234567890123456789\r\n", 100));
        await client.SendAsync($"Subject: big\r\n\r\n{body}.\r\n");

        await client.ExpectAsync(552, "5.3.4");
        Assert.Empty(client.Delivery.Delivered);
        await client.CommandAsync("NOOP", 250);
        await client.CommandAsync("RCPT TO:<bob@chitbox.local>", 503);
    }

    [Fact]
    public async Task A_text_line_of_any_length_is_message_data_by_default()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);
        await client.StartDataAsync();

        var line = new string('x', 2 * 1024 * 1024);
        await client.SendAsync($"Subject: one line\r\n\r\n{line}\r\n.\r\n");

        await client.ExpectAsync(250, "2.0.0");
        var (_, content, _) = Assert.Single(client.Delivery.Delivered);
        Assert.Equal($"Subject: one line\r\n\r\n{line}\r\n", Encoding.ASCII.GetString(content));
    }

    [Fact]
    public async Task A_text_line_over_a_configured_limit_gets_554_5_6_0_after_the_data_and_the_session_goes_on()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output, o => o.MaxTextLineLength = 1000);
        await client.StartDataAsync();

        await client.SendAsync($"Subject: long\r\n\r\n{new string('x', 1000)}\r\n.\r\n");

        await client.ExpectAsync(554, "5.6.0");
        Assert.Empty(client.Delivery.Delivered);
        await client.CommandAsync("NOOP", 250);
    }

    [Fact]
    public async Task Unknown_command_gets_500_5_5_2()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);

        await client.SendAsync("XYZZY\r\n");

        await client.ExpectAsync(500, "5.5.2");
    }

    [Fact]
    public async Task Command_line_over_512_octets_gets_500_5_5_2_and_the_session_goes_on()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);

        await client.SendAsync($"MAIL FROM:<{new string('a', 600)}@example.com>\r\n");
        await client.ExpectAsync(500, "5.5.2");

        await client.CommandAsync("NOOP", 250);
        await client.CommandAsync("MAIL FROM:<a@example.com>", 250);
    }

    [Fact]
    public async Task Command_line_over_the_limit_sent_in_pieces_gets_one_500_and_is_skipped()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);

        await client.SendAsync("NOOP " + new string('x', 400));
        await client.SendAsync(new string('x', 400));
        await client.ExpectAsync(500, "5.5.2");
        await client.SendAsync(new string('x', 400) + "\r\nNOOP\r\n");

        await client.ExpectAsync(250);
    }

    [Fact]
    public async Task Command_line_of_exactly_512_octets_is_accepted()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);

        var line = "NOOP " + new string('x', 512 - 2 - 5);
        Assert.Equal(510, line.Length);

        await client.CommandAsync(line, 250);
    }

    [Fact]
    public async Task Bad_syntax_gets_501_5_5_4()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);

        await client.SendAsync("MAIL FROM:<not an address>\r\n");

        await client.ExpectAsync(501, "5.5.4");
    }

    [Fact]
    public async Task Unknown_mail_parameter_gets_555_5_5_4()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);

        await client.SendAsync("MAIL FROM:<a@example.com> RET=FULL\r\n");

        await client.ExpectAsync(555, "5.5.4");
    }

    [Fact]
    public async Task Unknown_rcpt_parameter_gets_555_5_5_4()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);
        await client.CommandAsync("MAIL FROM:<a@example.com>", 250);

        await client.SendAsync("RCPT TO:<bob@chitbox.local> NOTIFY=NEVER\r\n");

        await client.ExpectAsync(555, "5.5.4");
    }

    [Fact]
    public async Task Storage_unavailable_gets_451_4_3_0_and_the_session_goes_on()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);
        client.Delivery.Failure = new DeliveryUnavailableException("database down");

        await SendMessageAsync(client, "Subject: x\r\n\r\nhi\r\n");
        await client.ExpectAsync(451, "4.3.0");

        client.Delivery.Failure = null;
        await SendMessageAsync(client, "Subject: again\r\n\r\nhi\r\n");
        await client.ExpectAsync(250, "2.0.0");
    }

    [Fact]
    public async Task Any_delivery_exception_gets_451_4_3_0()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);
        client.Delivery.Failure = new InvalidOperationException("bug");

        await SendMessageAsync(client, "Subject: x\r\n\r\nhi\r\n");

        await client.ExpectAsync(451, "4.3.0");
        await client.CommandAsync("NOOP", 250);
    }

    [Fact]
    public async Task Recipient_lookup_failure_gets_451_4_3_0()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);
        client.Directory.Failure = new DeliveryUnavailableException("database down");
        await client.CommandAsync("MAIL FROM:<a@example.com>", 250);

        await client.SendAsync("RCPT TO:<bob@chitbox.local>\r\n");

        await client.ExpectAsync(451, "4.3.0");
    }

    [Fact]
    public async Task Accepted_message_gets_250_2_0_0_with_its_id_and_is_delivered_unstuffed()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);
        await client.CommandAsync("MAIL FROM:<alice@example.com> BODY=8BITMIME", 250);
        await client.CommandAsync("RCPT TO:<Bob@ChitBox.Local>", 250);
        await client.CommandAsync("DATA", 354);

        await client.SendAsync("Subject: hi\r\n\r\n..line with a dot\r\n.\r\n");

        var reply = await client.ExpectAsync(250, "2.0.0");
        Assert.Equal("250 2.0.0 Q0001", reply);
        var (message, content, _) = Assert.Single(client.Delivery.Delivered);
        Assert.Equal("Subject: hi\r\n\r\n.line with a dot\r\n", Encoding.UTF8.GetString(content));
        Assert.Equal("alice@example.com", message.ReversePath);
        Assert.Equal("client.test", message.ClientHelo);
        Assert.Equal(client.SessionId, message.SessionId);
        Assert.False(message.IsTls);
        Assert.Equal("Bob@ChitBox.Local", Assert.Single(message.Recipients).Address);
    }

    [Fact]
    public async Task Null_reverse_path_is_accepted_for_bounces()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);

        await client.CommandAsync("MAIL FROM:<>", 250);
        await client.CommandAsync("RCPT TO:<bob@chitbox.local>", 250);
        await client.CommandAsync("DATA", 354);
        await client.SendAsync("Subject: bounce\r\n\r\n.\r\n");

        await client.ExpectAsync(250);
        Assert.Equal(string.Empty, Assert.Single(client.Delivery.Delivered).Message.ReversePath);
    }

    [Fact]
    public async Task Two_addresses_of_one_user_give_one_recipient()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);
        var bob = client.Directory.Add("bob@chitbox.local");
        client.Directory.Add("robert@chitbox.local", bob);

        await client.CommandAsync("MAIL FROM:<a@example.com>", 250);
        await client.CommandAsync("RCPT TO:<bob@chitbox.local>", 250);
        await client.CommandAsync("RCPT TO:<robert@chitbox.local>", 250);
        await client.CommandAsync("DATA", 354);
        await client.SendAsync("Subject: once\r\n\r\n.\r\n");
        await client.ExpectAsync(250);

        Assert.Single(Assert.Single(client.Delivery.Delivered).Message.Recipients);
    }

    [Fact]
    public async Task Large_message_is_spooled_to_disk_and_delivered_intact()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output, o => o.SpoolMemoryThreshold = 4096);
        var body = new StringBuilder();
        for (var i = 0; i < 2000; i++)
        {
            body.Append(i % 7 == 0 ? "." : string.Empty).Append("line ").Append(i).Append("\r\n");
        }

        await SendMessageAsync(client, "Subject: big\r\n\r\n" + body);

        await client.ExpectAsync(250);
        var (_, content, inMemory) = Assert.Single(client.Delivery.Delivered);
        Assert.False(inMemory);
        Assert.Equal("Subject: big\r\n\r\n" + body, Encoding.UTF8.GetString(content));
    }

    [Fact]
    public async Task Quit_gets_221_and_closes_the_connection()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);

        await client.SendAsync("QUIT\r\n");

        await client.ExpectAsync(221, "2.0.0");
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task Vrfy_gets_252_and_never_tells_whether_a_user_exists()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);

        var known = await client.CommandAsync("VRFY bob@chitbox.local", 252);
        var unknown = await client.CommandAsync("VRFY nobody@chitbox.local", 252);

        Assert.Equal(known, unknown);
        Assert.StartsWith("252 2.5.0", known, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_gets_214_and_noop_gets_250()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);

        await client.CommandAsync("HELP", 214);
        await client.SendAsync("NOOP\r\n");
        await client.ExpectAsync(250, "2.0.0");
    }

    // --- Pipelining --------------------------------------------------------------------------

    [Fact]
    public async Task Pipelined_commands_are_answered_in_order_in_one_write()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);
        client.Directory.Add("carol@chitbox.local");
        var flushesBefore = client.Writer.Flushes;

        await client.SendAsync(
            "MAIL FROM:<a@example.com>\r\nRCPT TO:<bob@chitbox.local>\r\nRCPT TO:<nobody@chitbox.local>\r\n" +
            "RCPT TO:<x@elsewhere.example>\r\nRCPT TO:<carol@chitbox.local>\r\nDATA\r\n");

        await client.ExpectAsync(250, "2.1.0");
        await client.ExpectAsync(250, "2.1.5");
        await client.ExpectAsync(550, "5.1.1");
        await client.ExpectAsync(550, "5.7.1");
        await client.ExpectAsync(250, "2.1.5");
        await client.ExpectAsync(354);
        Assert.Equal(flushesBefore + 1, client.Writer.Flushes);
    }

    [Fact]
    public async Task A_whole_pipelined_session_in_one_write_gets_every_reply_in_order()
    {
        await using var client = SmtpTestClient.Start(output);
        client.Directory.Add("bob@chitbox.local");

        await client.SendAsync(
            "EHLO c.test\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<bob@chitbox.local>\r\nDATA\r\n" +
            "Subject: one\r\n\r\nbody\r\n.\r\nMAIL FROM:<b@example.com>\r\nRCPT TO:<bob@chitbox.local>\r\n" +
            "BDAT 5 LAST\r\nhelloQUIT\r\n");

        await client.ExpectAsync(220);
        await client.ExpectAsync(250);
        await client.ExpectAsync(250, "2.1.0");
        await client.ExpectAsync(250, "2.1.5");
        await client.ExpectAsync(354);
        await client.ExpectAsync(250, "2.0.0");
        await client.ExpectAsync(250, "2.1.0");
        await client.ExpectAsync(250, "2.1.5");
        await client.ExpectAsync(250, "2.0.0");
        await client.ExpectAsync(221);
        Assert.True(await client.IsClosedAsync());
        Assert.Equal(["Subject: one\r\n\r\nbody\r\n", "hello"], client.Delivery.Delivered.Select(d => Encoding.UTF8.GetString(d.Content)));
    }

    // --- DATA end and smuggling --------------------------------------------------------------------

    [Theory]
    [InlineData("\n.\n")]
    [InlineData("\n.\r\n")]
    [InlineData("\r.\r")]
    [InlineData("\r\n.\n")]
    [InlineData("\r\n.\r")]
    public async Task Smuggled_end_of_data_does_not_end_the_message(string smuggle)
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);
        await client.StartDataAsync();

        await client.SendAsync(
            "Subject: first\r\n\r\nhello" + smuggle +
            "MAIL FROM:<evil@example.com>\r\nRCPT TO:<bob@chitbox.local>\r\nDATA\r\nSubject: smuggled\r\n\r\nx\r\n.\r\nNOOP\r\n");

        await client.ExpectAsync(250, "2.0.0");
        await client.ExpectAsync(250, "2.0.0");
        var (_, content, _) = Assert.Single(client.Delivery.Delivered);
        Assert.Contains("MAIL FROM:<evil@example.com>", Encoding.UTF8.GetString(content), StringComparison.Ordinal);
    }

    [Fact]
    public async Task End_of_data_split_across_writes_is_recognised()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);
        await client.StartDataAsync();

        await client.SendAsync("Subject: s\r\n\r\nbody\r");
        await client.SendAsync("\n.");
        await client.SendAsync("\r");
        await client.SendAsync("\nNOOP\r\n");

        await client.ExpectAsync(250, "2.0.0");
        await client.ExpectAsync(250);
        Assert.Equal("Subject: s\r\n\r\nbody\r\n", Encoding.UTF8.GetString(Assert.Single(client.Delivery.Delivered).Content));
    }

    [Fact]
    public async Task Client_hanging_up_during_data_delivers_nothing()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);
        await client.StartDataAsync();
        await client.SendAsync("Subject: cut\r\n\r\npartial");

        await client.HangUpAsync();

        await client.Running.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(client.Delivery.Delivered);
    }

    // --- BDAT ----------------------------------------------------------------------------------

    [Fact]
    public async Task Bdat_chunks_make_one_message()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);
        await client.CommandAsync("MAIL FROM:<a@example.com> BODY=BINARYMIME", 250);
        await client.CommandAsync("RCPT TO:<bob@chitbox.local>", 250);

        await client.SendAsync("BDAT 17\r\nSubject: c\r\n\r\n.\r\n");
        await client.ExpectAsync(250, "2.0.0");
        await client.SendAsync("BDAT 7\r\n\0\r\n.\r\n\n");
        await client.ExpectAsync(250, "2.0.0");
        await client.SendAsync("BDAT 0 LAST\r\n");
        var reply = await client.ExpectAsync(250, "2.0.0");

        Assert.Equal("250 2.0.0 Q0001", reply);
        Assert.Equal("Subject: c\r\n\r\n.\r\n\0\r\n.\r\n\n", Encoding.UTF8.GetString(Assert.Single(client.Delivery.Delivered).Content));
    }

    [Fact]
    public async Task Bdat_chunk_split_across_writes_is_read_exactly()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);
        await client.CommandAsync("MAIL FROM:<a@example.com>", 250);
        await client.CommandAsync("RCPT TO:<bob@chitbox.local>", 250);

        await client.SendAsync("BDAT 10 LAST\r\n0123");
        await client.SendAsync("456");
        await client.SendAsync("789NOOP\r\n");

        await client.ExpectAsync(250, "2.0.0");
        await client.ExpectAsync(250);
        Assert.Equal("0123456789", Encoding.UTF8.GetString(Assert.Single(client.Delivery.Delivered).Content));
    }

    [Fact]
    public async Task Bdat_with_no_accepted_recipient_returns_503_and_skips_its_octets()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);
        await client.CommandAsync("MAIL FROM:<a@example.com>", 250);

        await client.SendAsync("BDAT 12 LAST\r\nQUIT\r\nQUIT\r\nNOOP\r\n");

        await client.ExpectAsync(503, "5.5.1");
        await client.ExpectAsync(250);
        Assert.Empty(client.Delivery.Delivered);
    }

    [Fact]
    public async Task Bdat_over_the_limit_returns_552_and_ends_the_transaction()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output, o => o.MaxMessageSize = 1024);
        await client.CommandAsync("MAIL FROM:<a@example.com>", 250);
        await client.CommandAsync("RCPT TO:<bob@chitbox.local>", 250);
        await client.SendAsync("BDAT 1000\r\n" + new string('a', 1000));
        await client.ExpectAsync(250);

        await client.SendAsync("BDAT 100 LAST\r\n" + new string('b', 100));
        await client.ExpectAsync(552, "5.3.4");

        await client.CommandAsync("BDAT 0 LAST", 503);
        Assert.Empty(client.Delivery.Delivered);
    }

    [Fact]
    public async Task Data_after_bdat_returns_503()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);
        await client.CommandAsync("MAIL FROM:<a@example.com>", 250);
        await client.CommandAsync("RCPT TO:<bob@chitbox.local>", 250);
        await client.SendAsync("BDAT 3\r\nabc");
        await client.ExpectAsync(250);

        await client.CommandAsync("DATA", 503);
    }

    [Fact]
    public async Task Data_for_a_binarymime_message_returns_503()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);
        await client.CommandAsync("MAIL FROM:<a@example.com> BODY=BINARYMIME", 250);
        await client.CommandAsync("RCPT TO:<bob@chitbox.local>", 250);

        await client.SendAsync("DATA\r\n");

        await client.ExpectAsync(503, "5.5.1");
    }

    // --- Errors and hostile input -------------------------------------------------------------

    [Fact]
    public async Task Too_many_errors_in_a_row_get_421_and_the_connection_closes()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output, o => o.MaxErrors = 3);

        await client.SendAsync("BAD1\r\nBAD2\r\nBAD3\r\nNOOP\r\n");

        await client.ExpectAsync(500);
        await client.ExpectAsync(500);
        await client.ExpectAsync(500);
        await client.ExpectAsync(421, "4.7.0");
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task Nul_bytes_get_replies_not_crashes()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);

        await client.SendAsync("\0\0\0\r\nNOOP\0\r\nMAIL FROM:<a\0@b.c>\r\n");

        await client.ExpectAsync(500);
        await client.ExpectAsync(500);
        await client.ExpectAsync(501);
        await client.CommandAsync("NOOP", 250);
    }

    [Fact]
    public async Task Random_bytes_get_replies_not_crashes()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output, o => o.MaxErrors = 1000);
        var random = new Random(3030);
        var noise = new byte[20_000];
        random.NextBytes(noise);

        // Keep the noise free of data-phase commands' effects: it is all parsed as commands.
        await client.SendAsync(noise);
        await client.SendAsync("\r\nRSET\r\nNOOP\r\n");

        string reply;
        do
        {
            reply = await client.ReadReplyAsync();
            Assert.Matches("^[2345][0-9][0-9][ -]", reply);
        }
        while (!reply.StartsWith("250 2.0.0 Ok", StringComparison.Ordinal) || !await NextIsNoopReplyAsync(client));

        Assert.False(client.Running.IsCompleted);
    }

    // --- Timeouts and shutdown -----------------------------------------------------------------

    [Fact]
    public async Task Silent_client_gets_421_4_4_2_and_is_disconnected()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output, o => o.IdleTimeout = TimeSpan.FromMilliseconds(200));

        await client.ExpectAsync(421, "4.4.2");

        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task Shutdown_between_transactions_gets_421_4_3_2()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);

        client.Stop();

        await client.ExpectAsync(421, "4.3.2");
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task Shutdown_during_a_transaction_lets_it_finish_first()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output, o => o.ShutdownGracePeriod = TimeSpan.FromSeconds(30));
        await client.StartDataAsync();
        await client.SendAsync("Subject: in flight\r\n\r\npart one\r\n");

        client.Stop();
        await client.SendAsync("part two\r\n.\r\n");

        await client.ExpectAsync(250, "2.0.0");
        await client.ExpectAsync(421, "4.3.2");
        Assert.True(await client.IsClosedAsync());
        Assert.Contains("part two", Encoding.UTF8.GetString(Assert.Single(client.Delivery.Delivered).Content), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shutdown_grace_period_ending_closes_an_unfinished_transaction()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output, o => o.ShutdownGracePeriod = TimeSpan.FromMilliseconds(200));
        await client.CommandAsync("MAIL FROM:<a@example.com>", 250);
        await client.CommandAsync("RCPT TO:<bob@chitbox.local>", 250);

        client.Stop();

        await client.ExpectAsync(421, "4.3.2");
        Assert.True(await client.IsClosedAsync());
    }

    // --- STARTTLS ---------------------------------------------------------------------------------

    [Fact]
    public async Task Starttls_without_a_certificate_gets_454()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output);

        await client.SendAsync("STARTTLS\r\n");

        await client.ExpectAsync(454, "4.7.0");
    }

    [Fact]
    public async Task Starttls_discards_pipelined_plaintext_and_starts_the_session_over()
    {
        var tls = new FakeTlsUpgrader();
        await using var client = await SmtpTestClient.ReadyAsync(output, tls: tls);

        // A command injected after STARTTLS in the same packet must never run.
        await client.SendAsync("STARTTLS\r\nMAIL FROM:<injected@example.com>\r\n");
        await client.ExpectAsync(220, "2.0.0");
        client.SwitchToTls();

        await client.CommandAsync("MAIL FROM:<a@example.com>", 503);
        var ehlo = await client.CommandAsync("EHLO client.test", 250);
        Assert.DoesNotContain("STARTTLS", ehlo, StringComparison.Ordinal);
        await client.CommandAsync("RCPT TO:<bob@chitbox.local>", 503);
        await client.CommandAsync("STARTTLS", 503);
        await SendMessageAsync(client, "Subject: secure\r\n\r\n");
        await client.ExpectAsync(250, "2.0.0");

        Assert.True(Assert.Single(client.Delivery.Delivered).Message.IsTls);
        Assert.Equal(1, tls.Upgrades);
    }

    [Fact]
    public async Task Starttls_inside_a_transaction_returns_503()
    {
        await using var client = await SmtpTestClient.ReadyAsync(output, tls: new FakeTlsUpgrader());
        await client.CommandAsync("MAIL FROM:<a@example.com>", 250);

        await client.SendAsync("STARTTLS\r\n");

        await client.ExpectAsync(503, "5.5.1");
    }

    [Fact]
    public async Task Failed_tls_handshake_closes_the_session()
    {
        var tls = new FakeTlsUpgrader { Fail = true };
        await using var client = await SmtpTestClient.ReadyAsync(output, tls: tls);

        await client.CommandAsync("STARTTLS", 220);

        await client.Running.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, tls.Upgrades);
    }

    private static async Task SendMessageAsync(SmtpTestClient client, string message)
    {
        await client.StartDataAsync();
        await client.SendAsync(DotStuff(message) + ".\r\n");
    }

    private static string DotStuff(string message) =>
        (message.StartsWith('.') ? "." : string.Empty) + message.Replace("\r\n.", "\r\n..", StringComparison.Ordinal);

    private static async Task<bool> NextIsNoopReplyAsync(SmtpTestClient client)
    {
        var next = await client.ReadReplyAsync();
        return next.StartsWith("250 2.0.0 Ok", StringComparison.Ordinal);
    }
}

using System.Text;
using ChitBox.SmtpIngress.Delivery;
using ChitBox.Mail.Data;
using ChitBox.Tests.Infrastructure;
using Npgsql;

namespace ChitBox.Tests.SmtpIngress.Delivery;

public sealed class MessageStoreTests : IAsyncLifetime
{
    private NpgsqlDataSource _dataSource = null!;
    private MessageStore _store = null!;
    private string _connectionString = null!;

    public async Task InitializeAsync()
    {
        _connectionString = (await TestServers.GetAsync()).PostgresConnectionString;
        _dataSource = MailDataExtensions.CreateDataSource(_connectionString);
        _store = new MessageStore(_dataSource);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await _dataSource.DisposeAsync();
    }

    [Fact]
    public async Task Each_recipient_gets_a_copy_in_their_own_inbox_over_one_stored_raw_message()
    {
        var bob = await TestUsers.CreateAsync(_connectionString, TestUsers.UniqueAddress("bob"));
        var carol = await TestUsers.CreateAsync(_connectionString, TestUsers.UniqueAddress("carol"));
        var raw = Fixtures.Read("multipart-with-attachments.eml");
        var rawId = Guid.CreateVersion7();

        var copies = await StoreAsync(rawId, raw, (bob, "Received: for bob\r\n"), (carol, "Received: for carol\r\n"));

        Assert.Equal([bob, carol], copies.Select(c => c.UserId));
        foreach (var copy in copies)
        {
            Assert.Equal(await InboxOfAsync(copy.UserId), copy.FolderId);
            Assert.Equal(copy.UserId, await _dataSource.ScalarAsync<Guid>("SELECT user_id FROM mail_messages WHERE id = $1", copy.MessageId));
            Assert.Equal(2L, await _dataSource.ScalarAsync<long>("SELECT count(*) FROM attachments WHERE message_id = $1", copy.MessageId));
        }

        Assert.Equal(raw, await _dataSource.ScalarAsync<byte[]>("SELECT content FROM raw_messages WHERE id = $1", rawId));
        Assert.Equal("Received: for carol\r\n",
            await _dataSource.ScalarAsync<string>("SELECT trace_headers FROM mail_messages WHERE id = $1", copies[1].MessageId));
    }

    [Fact]
    public async Task A_failure_for_one_recipient_stores_nothing_for_any()
    {
        var bob = await TestUsers.CreateAsync(_connectionString, TestUsers.UniqueAddress("bob"));
        var rawId = Guid.CreateVersion7();

        // A user id that does not exist violates a foreign key after bob's copy was written.
        await Assert.ThrowsAsync<PostgresException>(() =>
            StoreAsync(rawId, Fixtures.Read("multipart-with-attachments.eml"), (bob, ""), (Guid.CreateVersion7(), "")));

        Assert.Equal(0L, await _dataSource.ScalarAsync<long>("SELECT count(*) FROM mail_messages WHERE user_id = $1", bob));
        Assert.Equal(0L, await _dataSource.ScalarAsync<long>("SELECT count(*) FROM raw_messages WHERE id = $1", rawId));
    }

    [Fact]
    public async Task A_reply_joins_the_thread_of_the_message_it_answers_for_that_user_only()
    {
        var bob = await TestUsers.CreateAsync(_connectionString, TestUsers.UniqueAddress("bob"));
        var carol = await TestUsers.CreateAsync(_connectionString, TestUsers.UniqueAddress("carol"));
        var first = await StoreAsync(Guid.CreateVersion7(), Message("<first@example.org>", null), (bob, ""));

        var reply = await StoreAsync(Guid.CreateVersion7(), Message("<reply@example.org>", "<first@example.org>"), (bob, ""), (carol, ""));

        Assert.Equal(first[0].ThreadId, reply[0].ThreadId);
        Assert.NotEqual(first[0].ThreadId, reply[1].ThreadId);
    }

    [Fact]
    public async Task Mail_without_references_starts_a_new_thread_even_with_the_same_subject()
    {
        var bob = await TestUsers.CreateAsync(_connectionString, TestUsers.UniqueAddress("bob"));
        var first = await StoreAsync(Guid.CreateVersion7(), Message("<one@example.org>", null), (bob, ""));

        var second = await StoreAsync(Guid.CreateVersion7(), Message("<two@example.org>", null), (bob, ""));

        Assert.NotEqual(first[0].ThreadId, second[0].ThreadId);
    }

    [Fact]
    public async Task An_inbox_the_store_knew_that_is_gone_is_found_again_and_the_message_keeps_its_fields()
    {
        var bob = await TestUsers.CreateAsync(_connectionString, TestUsers.UniqueAddress("bob"));
        var first = await StoreAsync(Guid.CreateVersion7(), Message("<known@example.org>", null), (bob, ""));
        // The store now knows bob's Inbox; take it away (no API does this).
        await _dataSource.ScalarAsync<long>("WITH gone AS (DELETE FROM mail_messages WHERE user_id = $1 RETURNING 1) SELECT count(*) FROM gone", bob);
        await _dataSource.ScalarAsync<long>("WITH gone AS (DELETE FROM folders WHERE user_id = $1 AND kind = 'inbox' RETURNING 1) SELECT count(*) FROM gone", bob);

        var second = Assert.Single(await StoreAsync(Guid.CreateVersion7(), Message("<after@example.org>", null), (bob, "")));

        Assert.NotEqual(first[0].FolderId, second.FolderId);
        Assert.Equal(await InboxOfAsync(bob), second.FolderId);
        Assert.Equal("after@example.org", await _dataSource.ScalarAsync<string>("SELECT message_id FROM mail_messages WHERE id = $1", second.MessageId));
        Assert.DoesNotContain("fields not stored", await _dataSource.ScalarAsync<string>("SELECT parse_problems FROM mail_messages WHERE id = $1", second.MessageId));
    }

    [Fact]
    public async Task Fields_the_database_refuses_leave_the_raw_message_filed_with_the_reason()
    {
        var bob = await TestUsers.CreateAsync(_connectionString, TestUsers.UniqueAddress("bob"));
        var raw = Message("<refused@example.org>", null);
        var parsed = await MessageParser.ParseAsync(new MemoryStream(raw), CancellationToken.None);
        // attachments.content_type is limited to 255 characters.
        var refused = parsed with { Attachments = [new ParsedAttachment("x.bin", "application/" + new string('x', 400), 1, null, false, 0, 1, null)] };

        var copy = Assert.Single(await StoreAsync(Guid.CreateVersion7(), raw, refused, (bob, "")));

        Assert.Equal(copy.UserId, bob);
        var problems = await _dataSource.ScalarAsync<string>("SELECT parse_problems FROM mail_messages WHERE id = $1", copy.MessageId);
        Assert.Contains("fields not stored (22001)", problems);
        Assert.Equal(0L, await _dataSource.ScalarAsync<long>("SELECT count(*) FROM attachments WHERE message_id = $1", copy.MessageId));
        Assert.Equal(raw, await _dataSource.ScalarAsync<byte[]>("SELECT r.content FROM raw_messages r JOIN mail_messages m ON m.raw_message_id = r.id WHERE m.id = $1", copy.MessageId));
    }

    [Fact]
    public async Task Concurrent_messages_stored_together_stay_isolated_when_one_is_refused()
    {
        var bob = await TestUsers.CreateAsync(_connectionString, TestUsers.UniqueAddress("bob"));
        var stores = Enumerable.Range(0, 40).Select(async i =>
        {
            var raw = Message($"<group-{i}-{Guid.NewGuid():N}@example.org>", null);
            var parsed = await MessageParser.ParseAsync(new MemoryStream(raw), CancellationToken.None);
            if (i == 17)
            {
                // attachments.content_type is limited to 255 characters: the database refuses this one.
                parsed = parsed with { Attachments = [new ParsedAttachment("x.bin", "application/" + new string('x', 400), 1, null, false, 0, 1, null)] };
            }

            return await _store.StoreAsync(
                new MessageToStore(Guid.CreateVersion7(), new MemoryStream(raw), 0, raw.Length, DateTimeOffset.UtcNow, parsed, [(bob, "")]),
                CancellationToken.None);
        }).ToList();

        var copies = (await Task.WhenAll(stores)).Select(Assert.Single).ToList();

        Assert.Equal(40, copies.Select(c => c.MessageId).Distinct().Count());
        Assert.Equal(40L, await _dataSource.ScalarAsync<long>("SELECT count(*) FROM mail_messages WHERE user_id = $1", bob));
        Assert.Equal(1L, await _dataSource.ScalarAsync<long>("SELECT count(*) FROM mail_messages WHERE user_id = $1 AND parse_problems LIKE '%fields not stored (22001)%'", bob));
        foreach (var copy in copies)
        {
            Assert.Equal(copy.FolderId, await _dataSource.ScalarAsync<Guid>("SELECT folder_id FROM mail_messages WHERE id = $1", copy.MessageId));
            Assert.Equal(copy.ThreadId, await _dataSource.ScalarAsync<Guid>("SELECT thread_id FROM mail_messages WHERE id = $1", copy.MessageId));
        }
    }

    [Fact]
    public async Task Hostile_header_lengths_are_clamped_and_the_message_keeps_its_fields()
    {
        var bob = await TestUsers.CreateAsync(_connectionString, TestUsers.UniqueAddress("bob"));
        var random = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(2000));
        var raw = Encoding.ASCII.GetBytes(
            $"From: a@example.org\r\nSubject: long ids\r\nMessage-ID: <{random}@example.org>\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
            $"--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: application/{new string('y', 400)}\r\nContent-Disposition: attachment; filename=a.bin\r\n\r\ndata\r\n--b--\r\n");

        var copy = Assert.Single(await StoreAsync(Guid.CreateVersion7(), raw, (bob, "")));

        Assert.Equal("long ids", await _dataSource.ScalarAsync<string>("SELECT subject FROM mail_messages WHERE id = $1", copy.MessageId));
        Assert.Equal(1L, await _dataSource.ScalarAsync<long>("SELECT count(*) FROM attachments WHERE message_id = $1", copy.MessageId));
    }

    [Fact]
    public async Task Filing_a_reply_reads_a_bounded_number_of_rows_however_full_the_mailbox_is()
    {
        await using var database = await EmptyDatabase.CreateAsync();
        // One connection, so the statistics it gathers can be read back; and generic plans, as
        // PostgreSQL adopts for the ingress's prepared statements once they have run a few times.
        var connectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString)
        {
            MaxPoolSize = 1,
            Options = "-c plan_cache_mode=force_generic_plan",
        }.ConnectionString;
        await using var dataSource = MailDataExtensions.CreateDataSource(connectionString);
        await MailSchema.MigrateAsync(dataSource, CancellationToken.None);
        var bob = await TestUsers.CreateAsync(connectionString, TestUsers.UniqueAddress("bob"));
        await using var store = new MessageStore(dataSource);

        // The oldest message starts a thread that every later one answers.
        await FileAsync(store, bob, "<root@example.org>", null);
        for (var i = 0; i < 200; i++)
        {
            await FileAsync(store, bob, $"<fill-{i}@example.org>", "<root@example.org>");
        }

        var before = await MailMessageRowsReadAsync(dataSource);
        for (var i = 0; i < 20; i++)
        {
            await FileAsync(store, bob, $"<reply-{i}@example.org>", "<root@example.org>");
        }

        // Finding the thread reads the referenced message, not the mailbox: about one row each.
        Assert.InRange(await MailMessageRowsReadAsync(dataSource) - before, 0, 20 * 3);
    }

    [Fact]
    public async Task Messages_filed_one_after_another_go_to_the_same_database_backend()
    {
        await using var database = await EmptyDatabase.CreateAsync();
        await using var dataSource = MailDataExtensions.CreateDataSource(database.ConnectionString);
        await MailSchema.MigrateAsync(dataSource, CancellationToken.None);
        var bob = await TestUsers.CreateAsync(database.ConnectionString, TestUsers.UniqueAddress("bob"));
        // Idle connections in the pool, as a busy moment leaves them; Npgsql hands them out in turn.
        var opened = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => dataSource.OpenConnectionAsync().AsTask()));
        foreach (var connection in opened)
        {
            await connection.DisposeAsync();
        }

        await using (var store = new MessageStore(dataSource))
        {
            for (var i = 0; i < 8; i++)
            {
                await FileAsync(store, bob, $"<one-by-one-{i}@example.org>", null);
            }
        }

        // Each backend shows the last statement it ran: the filing one, on the backends that filed;
        // after the first message it no longer looks for bob's Inbox, which the store has learned.
        await using var observer = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database.ConnectionString) { Pooling = false }.ConnectionString);
        await observer.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT count(*) || ' filing, ' || count(*) FILTER (WHERE query LIKE '%inbox_existing%') || ' looking for the Inbox'
            FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'WITH%INSERT INTO mail_messages%'
            """, observer);
        Assert.Equal("1 filing, 0 looking for the Inbox", await command.ExecuteScalarAsync());
    }

    /// <summary>Rows of mail_messages read so far, through indexes or scans, as counted by PostgreSQL.</summary>
    private static async Task<long> MailMessageRowsReadAsync(NpgsqlDataSource dataSource)
    {
        // The counts a backend gathers reach the statistics views when it next goes idle.
        await using (var flush = dataSource.CreateCommand("SELECT pg_stat_force_next_flush()"))
        {
            await flush.ExecuteNonQueryAsync();
        }

        await using var command = dataSource.CreateCommand(
            """
            SELECT coalesce(t.seq_tup_read, 0) + (SELECT coalesce(sum(i.idx_tup_read), 0) FROM pg_stat_user_indexes i WHERE i.relid = t.relid)
            FROM pg_stat_user_tables t WHERE t.relname = 'mail_messages'
            """);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    /// <summary>Files one small message for <paramref name="userId"/> through <paramref name="store"/>.</summary>
    private static async Task FileAsync(MessageStore store, Guid userId, string messageId, string? inReplyTo)
    {
        var raw = Message(messageId, inReplyTo);
        var parsed = await MessageParser.ParseAsync(new MemoryStream(raw), CancellationToken.None);
        await store.StoreAsync(
            new MessageToStore(Guid.CreateVersion7(), new MemoryStream(raw), 0, raw.Length, DateTimeOffset.UtcNow, parsed, [(userId, "")]),
            CancellationToken.None);
    }

    private static byte[] Message(string messageId, string? inReplyTo) => Encoding.ASCII.GetBytes(
        $"From: a@example.org\r\nSubject: Same subject\r\nMessage-ID: {messageId}\r\n" +
        (inReplyTo is null ? "" : $"In-Reply-To: {inReplyTo}\r\n") + "\r\nHello\r\n");

    private async Task<IReadOnlyList<StoredCopy>> StoreAsync(Guid rawId, byte[] raw, params (Guid UserId, string TraceHeaders)[] recipients) =>
        await StoreAsync(rawId, raw, await MessageParser.ParseAsync(new MemoryStream(raw), CancellationToken.None), recipients);

    private async Task<IReadOnlyList<StoredCopy>> StoreAsync(
        Guid rawId, byte[] raw, ParsedMessage parsed, params (Guid UserId, string TraceHeaders)[] recipients) =>
        await _store.StoreAsync(
            new MessageToStore(rawId, new MemoryStream(raw), 0, raw.Length, DateTimeOffset.UtcNow, parsed, recipients), CancellationToken.None);

    private Task<Guid> InboxOfAsync(Guid userId) =>
        _dataSource.ScalarAsync<Guid>("SELECT id FROM folders WHERE user_id = $1 AND kind = 'inbox'", userId);
}

using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace ChitBox.SmtpIngress.Delivery;

/// <summary>
/// Files received messages: for each, the raw bytes once, then per recipient the message
/// row (placing it in the Inbox and a thread in the same statement) and its attachment rows,
/// in a single <see cref="NpgsqlBatch"/> that PostgreSQL runs as one implicit transaction, so
/// every copy commits or none does. Small messages from
/// concurrent sessions share one batch and one commit (group commit).
/// </summary>
public sealed class MessageStore : IAsyncDisposable
{
    // Larger messages are stored alone: grouping pays off for many small ones.
    private const long MaxGroupedSize = 256 * 1024;
    private const int MaxGroupCount = 64;

    // Two committers at most: one group fills while the other's commits.
    private const int MaxCommitters = 2;

    private readonly NpgsqlDataSource _dataSource;
    private readonly ConcurrentQueue<Filing> _pending = new();
    private int _committers;

    // Npgsql's pool hands its idle connections out in turn (first in, first out), so each
    // message of a lone session would go to another PostgreSQL backend, cold in the CPU's
    // caches: 20-25% fewer messages per second at one session than over one connection. Open
    // connections kept here, most recently used on top, send it to the same warm backend.
    private readonly ConcurrentStack<NpgsqlConnection> _warmConnections = new();
    private readonly int _maxWarmConnections;

    // Each user's Inbox, learned from the rows already filed there. Folders are never deleted
    // and keep their id, so a known Inbox need not be looked up again; a refused statement
    // forgets its users' entries all the same, and is tried again without them.
    private const int MaxKnownInboxes = 100_000;
    private readonly ConcurrentDictionary<Guid, Guid> _inboxes = new();

    public MessageStore(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
        // Never the whole pool: recipient lookups, and the check after a lost connection, need one too.
        _maxWarmConnections = Math.Min(MaxCommitters, new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).MaxPoolSize - 1);
    }

    private const string InsertRaw = "INSERT INTO raw_messages (id, content, size, received_at) VALUES ($1, $2, $3, $4)";

    // Each copy's statement places the message in the user's Inbox and a thread, and inserts
    // the row. The thread is the newest earlier message of this user that the new one refers
    // to (In-Reply-To or References), else a new one; subjects are not matched. Each reference
    // is looked up on its own, so that even the generic plan PostgreSQL adopts for this
    // prepared statement, made when the table was empty, seeks (user_id, message_id) rather
    // than reading all of the user's mail. PostgreSQL sets up every node of a plan on each
    // run, even one that finds nothing to do, so the statement leaves out what a message does
    // not need: the reference lookup when it refers to nothing, and finding or creating the
    // Inbox once this store knows it (about a tenth of the database's CPU per message each).
    private const string FindOrCreateInbox =
        """
        inbox_existing AS (
            SELECT id FROM folders WHERE user_id = $2 AND kind = 'inbox' LIMIT 1),
        inbox_created AS (
            INSERT INTO folders (id, user_id, name, kind, created_at)
            SELECT $3, $2, 'Inbox', 'inbox', $6 WHERE NOT EXISTS (SELECT 1 FROM inbox_existing)
            ON CONFLICT (user_id, name) DO UPDATE SET kind = 'inbox'
            RETURNING id)
        """;

    private const string JoinReferencedThread =
        """
        referenced AS (
            SELECT m.thread_id FROM unnest($5::text[]) AS r(message_id)
            CROSS JOIN LATERAL (
                SELECT thread_id, created_at FROM mail_messages
                WHERE user_id = $2 AND message_id = r.message_id
                ORDER BY created_at DESC LIMIT 1) AS m
            ORDER BY m.created_at DESC LIMIT 1),
        thread_touched AS (
            UPDATE mail_threads SET last_message_at = $6
            WHERE id = (SELECT thread_id FROM referenced)
            RETURNING id),
        thread_created AS (
            INSERT INTO mail_threads (id, user_id, subject, created_at, last_message_at)
            SELECT $4, $2, $13, $6, $6 WHERE NOT EXISTS (SELECT 1 FROM thread_touched)
            RETURNING id)
        """;

    private const string StartThread =
        """
        thread_created AS (
            INSERT INTO mail_threads (id, user_id, subject, created_at, last_message_at)
            VALUES ($4, $2, $13, $6, $6)
            RETURNING id)
        """;

    // Indexed by InsertMessageVariant.
    private static readonly string[] InsertMessageStatements =
    [
        InsertMessageSql(inboxKnown: false, refersToEarlierMail: false),
        InsertMessageSql(inboxKnown: false, refersToEarlierMail: true),
        InsertMessageSql(inboxKnown: true, refersToEarlierMail: false),
        InsertMessageSql(inboxKnown: true, refersToEarlierMail: true),
    ];

    private static int InsertMessageVariant(bool inboxKnown, bool refersToEarlierMail) =>
        (inboxKnown ? 2 : 0) + (refersToEarlierMail ? 1 : 0);

    /// <summary>$3 is the Inbox's id when known, else the id to create it with; $4 the id for a new thread.</summary>
    private static string InsertMessageSql(bool inboxKnown, bool refersToEarlierMail) =>
        $"""
        WITH {(inboxKnown ? "" : FindOrCreateInbox + ",")}
        {(refersToEarlierMail ? JoinReferencedThread : StartThread)}
        INSERT INTO mail_messages (id, user_id, folder_id, thread_id, raw_message_id, trace_headers,
            from_email, from_name, "to", cc, subject, snippet, body_text, body_html, message_id, in_reply_to,
            "references", sent_at, created_at, is_read, has_attachments, size, parse_problems)
        SELECT $1, $2,
            {(inboxKnown ? "$3" : "COALESCE((SELECT id FROM inbox_existing), (SELECT id FROM inbox_created))")},
            {(refersToEarlierMail ? "COALESCE((SELECT id FROM thread_touched), (SELECT id FROM thread_created))" : "(SELECT id FROM thread_created)")},
            $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $6, false, $21, $22, $23
        RETURNING folder_id, thread_id
        """;

    private const string InsertAttachment =
        """
        INSERT INTO attachments (id, message_id, file_name, content_type, size, content_id, is_inline,
            content_offset, content_length, transfer_encoding)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
        """;

    public async Task<IReadOnlyList<StoredCopy>> StoreAsync(MessageToStore message, CancellationToken cancellationToken)
    {
        // PostgreSQL keeps microseconds: what is announced must equal what is listed.
        var receivedAt = message.ReceivedAt;
        message = message with { ReceivedAt = new DateTimeOffset(receivedAt.UtcTicks - receivedAt.UtcTicks % 10, TimeSpan.Zero) };
        var filing = new Filing(message, [.. message.Recipients.Select(r =>
            new Copy(r.UserId, r.TraceHeaders, Guid.CreateVersion7(), _inboxes.TryGetValue(r.UserId, out var inbox) ? inbox : null))]);
        if (message.RawLength > MaxGroupedSize)
        {
            return await StoreAloneAsync(filing, cancellationToken);
        }

        _pending.Enqueue(filing);
        await CommitPendingAsync(leader: true);
        // Not cancellable once queued: the group it joins may already be committing.
        return await filing.Stored.Task;
    }

    /// <summary>Gives the kept connections back to the pool.</summary>
    public ValueTask DisposeAsync() => new(DropWarmConnectionsAsync());

    /// <summary>
    /// Group commit: a committer takes every filing queued at that moment and stores them in
    /// one batch, one transaction and one fsync, while each session still waits for its own
    /// message. A session that finds a committer free becomes one (the leader) and commits a
    /// group, its own message among it, on its own task: alone on the wire, a message is not
    /// handed between threads. Whatever queued meanwhile goes to a background committer that
    /// drains the queue, so no leader's reply waits on other sessions' mail.
    /// </summary>
    private async Task CommitPendingAsync(bool leader)
    {
        // Re-checked after stepping down: a filing queued while every committer was busy is never left behind.
        while (!_pending.IsEmpty && TryBecomeCommitter())
        {
            try
            {
                do
                {
                    await CommitGroupAsync(TakeGroup());
                }
                while (!leader && !_pending.IsEmpty);
            }
            finally
            {
                Interlocked.Decrement(ref _committers);
            }

            if (leader)
            {
                if (!_pending.IsEmpty)
                {
                    _ = Task.Run(() => CommitPendingAsync(leader: false));
                }

                return;
            }
        }
    }

    private bool TryBecomeCommitter()
    {
        var committers = Volatile.Read(ref _committers);
        while (committers < MaxCommitters)
        {
            var seen = Interlocked.CompareExchange(ref _committers, committers + 1, committers);
            if (seen == committers)
            {
                return true;
            }

            committers = seen;
        }

        return false;
    }

    private List<Filing> TakeGroup()
    {
        var group = new List<Filing>();
        while (group.Count < MaxGroupCount && _pending.TryDequeue(out var filing))
        {
            group.Add(filing);
        }

        return group;
    }

    /// <summary>Stores a group; never throws. A group that fails is retried one filing at a time, so one bad message never costs the others.</summary>
    private async Task CommitGroupAsync(List<Filing> group)
    {
        switch (group.Count)
        {
            case 0:
                // Another committer took them first.
                return;
            case 1:
                await CompleteAsync(group[0], () => StoreAloneAsync(group[0], CancellationToken.None));
                return;
        }

        try
        {
            var stored = await StoreOnceAsync(group, CancellationToken.None);
            for (var i = 0; i < group.Count; i++)
            {
                group[i].Stored.TrySetResult(stored[i]);
            }
        }
        catch (Exception e)
        {
            // The server's refusal rolled the group back; anything else, a lost connection
            // among it, may have committed it: then look before storing again.
            var mayHaveCommitted = e is not PostgresException;
            foreach (var filing in group)
            {
                await CompleteAsync(filing, async () =>
                    (mayHaveCommitted ? await FindStoredAsync(filing.Message.RawMessageId, filing.Copies, CancellationToken.None) : null)
                    ?? await StoreAloneAsync(filing, CancellationToken.None));
            }
        }
    }

    private static async Task CompleteAsync(Filing filing, Func<Task<IReadOnlyList<StoredCopy>>> store)
    {
        try
        {
            filing.Stored.TrySetResult(await store());
        }
        catch (Exception e)
        {
            filing.Stored.TrySetException(e);
        }
    }

    private async Task<IReadOnlyList<StoredCopy>> StoreAloneAsync(Filing filing, CancellationToken cancellationToken)
    {
        try
        {
            return (await StoreOnceAsync([filing], cancellationToken))[0];
        }
        catch (PostgresException e) when (!e.IsTransient && filing.Copies.Any(copy => copy.InboxId is not null))
        {
            // Perhaps an Inbox that is gone: forget it and let the statement find or create it.
            foreach (var copy in filing.Copies)
            {
                _inboxes.TryRemove(copy.UserId, out _);
            }

            return await StoreAloneAsync(filing with { Copies = [.. filing.Copies.Select(copy => copy with { InboxId = null })] }, cancellationToken);
        }
        catch (PostgresException e) when (!e.IsTransient)
        {
            // The database refused a field taken from the message. Mail is never refused for
            // its content: file the raw message alone, with the reason recorded.
            var rawOnly = ParsedMessage.Unreadable([.. filing.Message.Parsed.Problems, $"fields not stored ({e.SqlState}): {e.MessageText}"]);
            return (await StoreOnceAsync([filing with { Message = filing.Message with { Parsed = rawOnly } }], cancellationToken))[0];
        }
        catch (Exception e) when (IsSafeToRetry(e) && !cancellationToken.IsCancellationRequested)
        {
            // After a database restart the pool still holds dead connections: drop them and
            // try once more.
            await DropWarmConnectionsAsync();
            _dataSource.Clear();
            return (await StoreOnceAsync([filing], cancellationToken))[0];
        }
        catch (NpgsqlException e) when (e is not PostgresException && !cancellationToken.IsCancellationRequested)
        {
            // The connection was lost after the batch went out: it may have committed. Look,
            // rather than answer 451 and have the client send a second copy.
            return await FindStoredAsync(filing.Message.RawMessageId, filing.Copies, cancellationToken)
                ?? throw new DeliveryUnavailableException("The connection to the database was lost; nothing was stored.", e);
        }
    }

    /// <summary>
    /// Only when nothing can have been committed: the server answered with an error (the
    /// implicit transaction rolled back) or no connection could be opened.
    /// </summary>
    private static bool IsSafeToRetry(Exception e) => e is PostgresException { IsTransient: true } or ConnectionOpenFailedException;

    /// <summary>Stores the filings in one batch: all of them or none. Returns each filing's copies, in order.</summary>
    private async Task<IReadOnlyList<IReadOnlyList<StoredCopy>>> StoreOnceAsync(
        IReadOnlyList<Filing> filings, CancellationToken cancellationToken)
    {
        var connection = await TakeConnectionAsync(cancellationToken);
        try
        {
            var stored = await RunBatchAsync(connection, filings, cancellationToken);
            RememberInboxes(stored);
            // Kept only after a batch that succeeded, when it is known to be sound and idle, and
            // no more than the committers use: a burst of large messages, each stored on its
            // own, gives its extra connections back to the pool.
            if (_warmConnections.Count < _maxWarmConnections)
            {
                _warmConnections.Push(connection);
            }
            else
            {
                await connection.DisposeAsync();
            }

            return stored;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private void RememberInboxes(IReadOnlyList<IReadOnlyList<StoredCopy>> stored)
    {
        if (_inboxes.Count >= MaxKnownInboxes)
        {
            _inboxes.Clear();
        }

        foreach (var copy in stored.SelectMany(copies => copies))
        {
            // New mail is always filed in the Inbox.
            _inboxes[copy.UserId] = copy.FolderId;
        }
    }

    private async Task<NpgsqlConnection> TakeConnectionAsync(CancellationToken cancellationToken)
    {
        if (_warmConnections.TryPop(out var warm))
        {
            return warm;
        }

        try
        {
            return await _dataSource.OpenConnectionAsync(cancellationToken);
        }
        catch (NpgsqlException e) when (e.IsTransient)
        {
            throw new ConnectionOpenFailedException(e);
        }
    }

    private async Task DropWarmConnectionsAsync()
    {
        while (_warmConnections.TryPop(out var connection))
        {
            await connection.DisposeAsync();
        }
    }

    private static async Task<IReadOnlyList<IReadOnlyList<StoredCopy>>> RunBatchAsync(
        NpgsqlConnection connection, IReadOnlyList<Filing> filings, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        foreach (var (message, copies, _) in filings)
        {
            message.Raw.Position = message.RawStart;
            batch.BatchCommands.Add(Command(InsertRaw,
                new NpgsqlParameter<Guid> { TypedValue = message.RawMessageId },
                // A seekable stream with no Size set: Npgsql streams it from the spool (Size would make it buffer).
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = message.Raw },
                new NpgsqlParameter<long> { TypedValue = message.RawLength },
                new NpgsqlParameter<DateTimeOffset> { TypedValue = message.ReceivedAt }));
            foreach (var copy in copies)
            {
                batch.BatchCommands.Add(MessageCommand(copy, message));
            }

            foreach (var copy in copies)
            {
                foreach (var attachment in message.Parsed.Attachments)
                {
                    batch.BatchCommands.Add(AttachmentCommand(copy.MessageId, attachment));
                }
            }
        }

        // One row (folder, thread) per message statement, in the order they were added.
        var placed = new List<(Guid FolderId, Guid ThreadId)>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            do
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    placed.Add((reader.GetGuid(0), reader.GetGuid(1)));
                }
            }
            while (await reader.NextResultAsync(cancellationToken));
        }

        var next = 0;
        return filings.Select(filing => (IReadOnlyList<StoredCopy>)filing.Copies
            .Select(copy => new StoredCopy(copy.UserId, placed[next].FolderId, copy.MessageId, placed[next++].ThreadId, filing.Message.ReceivedAt))
            .ToList()).ToList();
    }

    /// <summary>The copies as committed, or null when the message is not in the database.</summary>
    private async Task<IReadOnlyList<StoredCopy>?> FindStoredAsync(Guid rawMessageId, List<Copy> copies, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            "SELECT id, folder_id, thread_id, created_at FROM mail_messages WHERE raw_message_id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = rawMessageId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var stored = new Dictionary<Guid, (Guid FolderId, Guid ThreadId, DateTimeOffset CreatedAt)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            stored[reader.GetGuid(0)] = (reader.GetGuid(1), reader.GetGuid(2), reader.GetFieldValue<DateTimeOffset>(3));
        }

        return stored.Count == 0 ? null : copies
            .Select(c => (Copy: c, Row: stored[c.MessageId]))
            .Select(x => new StoredCopy(x.Copy.UserId, x.Row.FolderId, x.Copy.MessageId, x.Row.ThreadId, x.Row.CreatedAt))
            .ToList();
    }

    private static NpgsqlBatchCommand MessageCommand(Copy copy, MessageToStore message)
    {
        var (parsed, receivedAt) = (message.Parsed, message.ReceivedAt);
        var referenced = parsed.References.Append(parsed.InReplyTo).OfType<string>().Distinct().ToArray();
        // Every variant gets every parameter (typed, so PostgreSQL accepts one unused): one numbering.
        return Command(InsertMessageStatements[InsertMessageVariant(copy.InboxId is not null, referenced.Length > 0)],
            new NpgsqlParameter<Guid> { TypedValue = copy.MessageId },
            new NpgsqlParameter<Guid> { TypedValue = copy.UserId },
            new NpgsqlParameter<Guid> { TypedValue = copy.InboxId ?? Guid.CreateVersion7() },
            new NpgsqlParameter<Guid> { TypedValue = Guid.CreateVersion7() },
            new NpgsqlParameter<string[]> { TypedValue = referenced },
            new NpgsqlParameter<DateTimeOffset> { TypedValue = receivedAt },
            new NpgsqlParameter<Guid> { TypedValue = message.RawMessageId },
            new NpgsqlParameter<string> { TypedValue = copy.TraceHeaders },
            Text(parsed.FromEmail),
            Text(parsed.FromName),
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = Json(parsed.To) },
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = Json(parsed.Cc) },
            Text(parsed.Subject),
            Text(parsed.Snippet),
            Text(parsed.BodyText),
            Text(parsed.BodyHtml),
            Text(parsed.MessageId),
            Text(parsed.InReplyTo),
            new NpgsqlParameter<string[]> { TypedValue = [.. parsed.References] },
            // timestamptz takes UTC only; the sender's offset is not kept (sentAt is an instant).
            new NpgsqlParameter<DateTimeOffset> { TypedValue = (parsed.Date ?? receivedAt).ToUniversalTime() },
            new NpgsqlParameter<bool> { TypedValue = parsed.Attachments.Count > 0 },
            new NpgsqlParameter<long> { TypedValue = message.RawLength + Encoding.UTF8.GetByteCount(copy.TraceHeaders) },
            Text(parsed.Problems.Count == 0 ? null : string.Join("; ", parsed.Problems)));
    }

    private static NpgsqlBatchCommand AttachmentCommand(Guid messageId, ParsedAttachment attachment) =>
        Command(InsertAttachment,
            new NpgsqlParameter<Guid> { TypedValue = Guid.CreateVersion7() },
            new NpgsqlParameter<Guid> { TypedValue = messageId },
            Text(attachment.FileName),
            new NpgsqlParameter<string> { TypedValue = attachment.ContentType },
            new NpgsqlParameter<long> { TypedValue = attachment.Size },
            Text(attachment.ContentId),
            new NpgsqlParameter<bool> { TypedValue = attachment.IsInline },
            new NpgsqlParameter<long> { TypedValue = attachment.ContentOffset },
            new NpgsqlParameter<long> { TypedValue = attachment.ContentLength },
            Text(attachment.TransferEncoding));

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlParameter Text(string? value) =>
        new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, JsonSerializerOptions.Web);

    /// <param name="InboxId">The user's Inbox, when this store has filed mail there before.</param>
    private sealed record Copy(Guid UserId, string TraceHeaders, Guid MessageId, Guid? InboxId);

    /// <summary>One message waiting to be stored, and the session waiting for it.</summary>
    private sealed record Filing(MessageToStore Message, List<Copy> Copies, TaskCompletionSource<IReadOnlyList<StoredCopy>> Stored)
    {
        public Filing(MessageToStore message, List<Copy> copies)
            : this(message, copies, new TaskCompletionSource<IReadOnlyList<StoredCopy>>(TaskCreationOptions.RunContinuationsAsynchronously))
        {
        }
    }

    /// <summary>No connection could be opened: nothing was sent, so trying again is safe.</summary>
    private sealed class ConnectionOpenFailedException(NpgsqlException inner) : Exception(inner.Message, inner);
}

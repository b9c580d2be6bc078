using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace ChitBox.SmtpIngress.Delivery;

/// <summary>
/// Files one received message for all its recipients in one round trip: a single
/// <see cref="NpgsqlBatch"/>, which PostgreSQL runs as one implicit transaction. It
/// stores the raw bytes once, then per user the message row (finding or creating the
/// Inbox and the thread in the same statement) and its attachment rows. Either every
/// copy commits or none does.
/// </summary>
public sealed class MessageStore(NpgsqlDataSource dataSource)
{
    private const string InsertRaw = "INSERT INTO raw_messages (id, content, size, received_at) VALUES ($1, $2, $3, $4)";

    // The thread is the newest earlier message of this user that the new one refers to
    // (In-Reply-To or References), else a new one; subjects are not matched.
    private const string InsertMessage =
        """
        WITH inbox_existing AS (
            SELECT id FROM folders WHERE user_id = $2 AND kind = 'inbox' LIMIT 1),
        inbox_created AS (
            INSERT INTO folders (id, user_id, name, kind, created_at)
            SELECT $3, $2, 'Inbox', 'inbox', $6 WHERE NOT EXISTS (SELECT 1 FROM inbox_existing)
            ON CONFLICT (user_id, name) DO UPDATE SET kind = 'inbox'
            RETURNING id),
        referenced AS (
            SELECT thread_id FROM mail_messages
            WHERE user_id = $2 AND message_id = ANY($5)
            ORDER BY created_at DESC LIMIT 1),
        thread_touched AS (
            UPDATE mail_threads SET last_message_at = $6
            WHERE id = (SELECT thread_id FROM referenced)
            RETURNING id),
        thread_created AS (
            INSERT INTO mail_threads (id, user_id, subject, created_at, last_message_at)
            SELECT $4, $2, $13, $6, $6 WHERE NOT EXISTS (SELECT 1 FROM referenced)
            RETURNING id)
        INSERT INTO mail_messages (id, user_id, folder_id, thread_id, raw_message_id, trace_headers,
            from_email, from_name, "to", cc, subject, snippet, body_text, body_html, message_id, in_reply_to,
            "references", sent_at, created_at, is_read, has_attachments, size, parse_problems)
        SELECT $1, $2,
            COALESCE((SELECT id FROM inbox_existing), (SELECT id FROM inbox_created)),
            COALESCE((SELECT id FROM thread_touched), (SELECT id FROM thread_created)),
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
        var copies = message.Recipients.Select(r => new Copy(r.UserId, r.TraceHeaders, Guid.CreateVersion7())).ToList();
        try
        {
            return await StoreOnceAsync(message, copies, cancellationToken);
        }
        catch (PostgresException e) when (!e.IsTransient)
        {
            // The database refused a field taken from the message. Mail is never refused for
            // its content: file the raw message alone, with the reason recorded.
            var rawOnly = ParsedMessage.Unreadable([.. message.Parsed.Problems, $"fields not stored ({e.SqlState}): {e.MessageText}"]);
            return await StoreOnceAsync(message with { Parsed = rawOnly }, copies, cancellationToken);
        }
        catch (Exception e) when (IsSafeToRetry(e) && !cancellationToken.IsCancellationRequested)
        {
            // After a database restart the pool still holds dead connections: drop them and
            // try once more.
            dataSource.Clear();
            return await StoreOnceAsync(message, copies, cancellationToken);
        }
        catch (NpgsqlException e) when (e is not PostgresException && !cancellationToken.IsCancellationRequested)
        {
            // The connection was lost after the batch went out: it may have committed. Look,
            // rather than answer 451 and have the client send a second copy.
            return await FindStoredAsync(message.RawMessageId, copies, cancellationToken)
                ?? throw new DeliveryUnavailableException("The connection to the database was lost; nothing was stored.", e);
        }
    }

    /// <summary>
    /// Only when nothing can have been committed: the server answered with an error (the
    /// implicit transaction rolled back) or no connection could be opened.
    /// </summary>
    private static bool IsSafeToRetry(Exception e) => e is PostgresException { IsTransient: true } or ConnectionOpenFailedException;

    private async Task<IReadOnlyList<StoredCopy>> StoreOnceAsync(
        MessageToStore message, List<Copy> copies, CancellationToken cancellationToken)
    {
        NpgsqlConnection connection;
        try
        {
            connection = await dataSource.OpenConnectionAsync(cancellationToken);
        }
        catch (NpgsqlException e) when (e.IsTransient)
        {
            throw new ConnectionOpenFailedException(e);
        }

        await using (connection)
        {
            message.Raw.Position = message.RawStart;
            await using var batch = new NpgsqlBatch(connection);
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

            var placed = new List<(Guid FolderId, Guid ThreadId)>(copies.Count);
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

            return copies.Select((copy, i) => new StoredCopy(copy.UserId, placed[i].FolderId, copy.MessageId, placed[i].ThreadId, message.ReceivedAt))
                .ToList();
        }
    }

    /// <summary>The copies as committed, or null when the message is not in the database.</summary>
    private async Task<IReadOnlyList<StoredCopy>?> FindStoredAsync(Guid rawMessageId, List<Copy> copies, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
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
        return Command(InsertMessage,
            new NpgsqlParameter<Guid> { TypedValue = copy.MessageId },
            new NpgsqlParameter<Guid> { TypedValue = copy.UserId },
            new NpgsqlParameter<Guid> { TypedValue = Guid.CreateVersion7() },
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

    private sealed record Copy(Guid UserId, string TraceHeaders, Guid MessageId);

    /// <summary>No connection could be opened: nothing was sent, so trying again is safe.</summary>
    private sealed class ConnectionOpenFailedException(NpgsqlException inner) : Exception(inner.Message, inner);
}

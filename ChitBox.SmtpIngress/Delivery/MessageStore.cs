using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace ChitBox.SmtpIngress.Delivery;

/// <summary>
/// Files one received message for all its recipients in a single transaction: the raw
/// bytes once, then per user a thread, the message row and its attachment rows.
/// Either every copy commits or none does.
/// </summary>
public sealed class MessageStore(NpgsqlDataSource dataSource)
{
    /// <param name="raw">The spooled bytes, positioned at the start.</param>
    /// <param name="recipients">Per user, the trace headers to serve before the raw bytes.</param>
    public async Task<IReadOnlyList<StoredCopy>> StoreAsync(
        Guid rawMessageId,
        Stream raw,
        long rawLength,
        DateTimeOffset receivedAt,
        ParsedMessage parsed,
        IReadOnlyList<(Guid UserId, string TraceHeaders)> recipients,
        CancellationToken cancellationToken)
    {
        // PostgreSQL keeps microseconds: what is announced must equal what is listed.
        receivedAt = new DateTimeOffset(receivedAt.UtcTicks - receivedAt.UtcTicks % 10, TimeSpan.Zero);
        var rawStart = raw.Position;
        try
        {
            return await StoreOnceAsync(rawMessageId, raw, rawLength, receivedAt, parsed, recipients, cancellationToken);
        }
        catch (StoreAttemptFailedException failed) when (!failed.CommitSent)
        {
            // After a database restart the pool still holds dead connections: drop them and
            // try once more. Safe only because nothing was committed.
            NpgsqlConnection.ClearPool(failed.Connection);
            raw.Position = rawStart;
            return await StoreOnceAsync(rawMessageId, raw, rawLength, receivedAt, parsed, recipients, cancellationToken);
        }
    }

    private async Task<IReadOnlyList<StoredCopy>> StoreOnceAsync(
        Guid rawMessageId,
        Stream raw,
        long rawLength,
        DateTimeOffset receivedAt,
        ParsedMessage parsed,
        IReadOnlyList<(Guid UserId, string TraceHeaders)> recipients,
        CancellationToken cancellationToken)
    {
        await using var connection = dataSource.CreateConnection();
        var commitSent = false;
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var copies = await WriteAsync(connection, transaction, rawMessageId, raw, rawLength, receivedAt, parsed, recipients, cancellationToken);
            commitSent = true;
            await transaction.CommitAsync(cancellationToken);
            return copies;
        }
        catch (NpgsqlException e) when (e.IsTransient && !cancellationToken.IsCancellationRequested)
        {
            throw new StoreAttemptFailedException(connection, commitSent, e);
        }
    }

    private static async Task<IReadOnlyList<StoredCopy>> WriteAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction transaction,
        Guid rawMessageId,
        Stream raw,
        long rawLength,
        DateTimeOffset receivedAt,
        ParsedMessage parsed,
        IReadOnlyList<(Guid UserId, string TraceHeaders)> recipients,
        CancellationToken cancellationToken)
    {
        await using (var insertRaw = new NpgsqlCommand(
            "INSERT INTO raw_messages (id, content, size, received_at) VALUES ($1, $2, $3, $4)", connection, transaction))
        {
            insertRaw.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = rawMessageId });
            // A seekable stream with no Size set: Npgsql streams it from the spool (Size would make it buffer).
            insertRaw.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = raw });
            insertRaw.Parameters.Add(new NpgsqlParameter<long> { TypedValue = rawLength });
            insertRaw.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = receivedAt });
            await insertRaw.ExecuteNonQueryAsync(cancellationToken);
        }

        var copies = new List<StoredCopy>(recipients.Count);
        foreach (var (userId, traceHeaders) in recipients)
        {
            var folderId = await InboxOfAsync(connection, transaction, userId, cancellationToken);
            var threadId = await ThreadForAsync(connection, transaction, userId, parsed, receivedAt, cancellationToken);
            var messageId = Guid.CreateVersion7();
            await InsertMessageAsync(connection, transaction, messageId, userId, folderId, threadId, rawMessageId,
                traceHeaders, rawLength, receivedAt, parsed, cancellationToken);
            copies.Add(new StoredCopy(userId, folderId, messageId, threadId, receivedAt));
        }

        return copies;
    }

    /// <summary>The user's Inbox, created here if it is somehow missing.</summary>
    private static async Task<Guid> InboxOfAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            WITH existing AS (SELECT id FROM folders WHERE user_id = $1 AND kind = 'inbox' LIMIT 1),
            created AS (
                INSERT INTO folders (id, user_id, name, kind, created_at)
                SELECT $2, $1, 'Inbox', 'inbox', now() WHERE NOT EXISTS (SELECT 1 FROM existing)
                ON CONFLICT (user_id, name) DO UPDATE SET kind = 'inbox'
                RETURNING id)
            SELECT id FROM existing UNION ALL SELECT id FROM created
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = userId });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Guid.CreateVersion7() });
        return (Guid)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// The thread of the newest earlier message this one refers to (In-Reply-To or
    /// References), among this user's mail; else a new thread. Subjects are not matched.
    /// </summary>
    private static async Task<Guid> ThreadForAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, ParsedMessage parsed,
        DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var referenced = parsed.References.Append(parsed.InReplyTo).OfType<string>().Distinct().ToArray();
        if (referenced.Length > 0)
        {
            await using var find = new NpgsqlCommand(
                """
                WITH found AS (
                    SELECT thread_id FROM mail_messages
                    WHERE user_id = $1 AND message_id = ANY($2)
                    ORDER BY created_at DESC LIMIT 1)
                UPDATE mail_threads SET last_message_at = $3
                WHERE id = (SELECT thread_id FROM found)
                RETURNING id
                """, connection, transaction);
            find.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = userId });
            find.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = referenced });
            find.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = receivedAt });
            if (await find.ExecuteScalarAsync(cancellationToken) is Guid existing)
            {
                return existing;
            }
        }

        var threadId = Guid.CreateVersion7();
        await using var create = new NpgsqlCommand(
            "INSERT INTO mail_threads (id, user_id, subject, created_at, last_message_at) VALUES ($1, $2, $3, $4, $4)",
            connection, transaction);
        create.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = threadId });
        create.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = userId });
        create.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)parsed.Subject ?? DBNull.Value });
        create.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = receivedAt });
        await create.ExecuteNonQueryAsync(cancellationToken);
        return threadId;
    }

    private static async Task InsertMessageAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid messageId, Guid userId, Guid folderId,
        Guid threadId, Guid rawMessageId, string traceHeaders, long rawLength, DateTimeOffset receivedAt,
        ParsedMessage parsed, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        var insertMessage = new NpgsqlBatchCommand(
            """
            INSERT INTO mail_messages (id, user_id, folder_id, thread_id, raw_message_id, trace_headers,
                from_email, from_name, "to", cc, subject, snippet, body_text, body_html, message_id, in_reply_to,
                "references", sent_at, created_at, is_read, has_attachments, size, parse_problems)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, false, $20, $21, $22)
            """);
        var p = insertMessage.Parameters;
        p.Add(new NpgsqlParameter<Guid> { TypedValue = messageId });
        p.Add(new NpgsqlParameter<Guid> { TypedValue = userId });
        p.Add(new NpgsqlParameter<Guid> { TypedValue = folderId });
        p.Add(new NpgsqlParameter<Guid> { TypedValue = threadId });
        p.Add(new NpgsqlParameter<Guid> { TypedValue = rawMessageId });
        p.Add(new NpgsqlParameter<string> { TypedValue = traceHeaders });
        p.Add(Text(parsed.FromEmail));
        p.Add(Text(parsed.FromName));
        p.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = Json(parsed.To) });
        p.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = Json(parsed.Cc) });
        p.Add(Text(parsed.Subject));
        p.Add(Text(parsed.Snippet));
        p.Add(Text(parsed.BodyText));
        p.Add(Text(parsed.BodyHtml));
        p.Add(Text(parsed.MessageId));
        p.Add(Text(parsed.InReplyTo));
        p.Add(new NpgsqlParameter<string[]> { TypedValue = [.. parsed.References] });
        // timestamptz takes UTC only; the sender's offset is not kept (sentAt is an instant).
        p.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = (parsed.Date ?? receivedAt).ToUniversalTime() });
        p.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = receivedAt });
        p.Add(new NpgsqlParameter<bool> { TypedValue = parsed.Attachments.Count > 0 });
        p.Add(new NpgsqlParameter<long> { TypedValue = rawLength + Encoding.UTF8.GetByteCount(traceHeaders) });
        p.Add(Text(parsed.Problems.Count == 0 ? null : string.Join("; ", parsed.Problems)));
        batch.BatchCommands.Add(insertMessage);

        foreach (var attachment in parsed.Attachments)
        {
            var insertAttachment = new NpgsqlBatchCommand(
                """
                INSERT INTO attachments (id, message_id, file_name, content_type, size, content_id, is_inline,
                    content_offset, content_length, transfer_encoding)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                """);
            var a = insertAttachment.Parameters;
            a.Add(new NpgsqlParameter<Guid> { TypedValue = Guid.CreateVersion7() });
            a.Add(new NpgsqlParameter<Guid> { TypedValue = messageId });
            a.Add(Text(attachment.FileName));
            a.Add(new NpgsqlParameter<string> { TypedValue = attachment.ContentType });
            a.Add(new NpgsqlParameter<long> { TypedValue = attachment.Size });
            a.Add(Text(attachment.ContentId));
            a.Add(new NpgsqlParameter<bool> { TypedValue = attachment.IsInline });
            a.Add(new NpgsqlParameter<long> { TypedValue = attachment.ContentOffset });
            a.Add(new NpgsqlParameter<long> { TypedValue = attachment.ContentLength });
            a.Add(Text(attachment.TransferEncoding));
            batch.BatchCommands.Add(insertAttachment);
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlParameter Text(string? value) =>
        new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, JsonSerializerOptions.Web);
}

using System.Data;
using System.Text;
using Npgsql;

namespace ChitBox.Api.Messages;

/// <summary>
/// Opens raw messages and attachments for streaming, straight over Npgsql: EF Core would
/// materialise the bytea as one array. Every query is scoped to the owner.
/// </summary>
public sealed class MessageContentStore(NpgsqlDataSource dataSource)
{
    private const string RawSql = """
        SELECT m.trace_headers, octet_length(r.content), r.content
        FROM mail_messages m
        JOIN raw_messages r ON r.id = m.raw_message_id
        WHERE m.id = $1 AND m.user_id = $2
        """;

    // substring() on EXTERNAL (uncompressed) storage fetches only the attachment's chunks.
    private const string AttachmentSql = """
        SELECT a.content_type, a.file_name, a.is_inline, a.size, a.transfer_encoding,
               substring(r.content FROM (a.content_offset + 1)::int FOR a.content_length::int)
        FROM attachments a
        JOIN mail_messages m ON m.id = a.message_id
        JOIN raw_messages r ON r.id = m.raw_message_id
        WHERE a.id = $1 AND m.user_id = $2
        """;

    /// <summary>The raw message, or null when the user has no such message.</summary>
    public async Task<RawMessageContent?> OpenRawAsync(Guid userId, Guid messageId, CancellationToken cancellationToken)
    {
        var (connection, command, reader) = await QueryAsync(RawSql, messageId, userId, cancellationToken);
        if (reader is null)
        {
            return null;
        }

        var traceHeaders = Encoding.UTF8.GetBytes(await reader.GetFieldValueAsync<string>(0, cancellationToken));
        var contentLength = await reader.GetFieldValueAsync<int>(1, cancellationToken);
        return new RawMessageContent(connection, command, reader, traceHeaders, contentLength);
    }

    /// <summary>The attachment, or null when the user has no such attachment.</summary>
    public async Task<AttachmentContent?> OpenAttachmentAsync(Guid userId, Guid attachmentId, CancellationToken cancellationToken)
    {
        var (connection, command, reader) = await QueryAsync(AttachmentSql, attachmentId, userId, cancellationToken);
        if (reader is null)
        {
            return null;
        }

        var contentType = await reader.GetFieldValueAsync<string>(0, cancellationToken);
        var fileName = await reader.IsDBNullAsync(1, cancellationToken) ? null : await reader.GetFieldValueAsync<string>(1, cancellationToken);
        var isInline = await reader.GetFieldValueAsync<bool>(2, cancellationToken);
        var size = await reader.GetFieldValueAsync<long>(3, cancellationToken);
        var transferEncoding = await reader.IsDBNullAsync(4, cancellationToken) ? null : await reader.GetFieldValueAsync<string>(4, cancellationToken);
        return new AttachmentContent(connection, command, reader, contentType, fileName, isInline, size, transferEncoding);
    }

    /// <returns>An open reader on the one row, or a null reader (everything disposed) when there is none.</returns>
    private async Task<(NpgsqlConnection Connection, NpgsqlCommand Command, NpgsqlDataReader? Reader)> QueryAsync(
        string sql, Guid id, Guid userId, CancellationToken cancellationToken)
    {
        try
        {
            return await QueryOnceAsync(sql, id, userId, cancellationToken);
        }
        catch (NpgsqlException e) when (e.IsTransient && !cancellationToken.IsCancellationRequested)
        {
            // Nothing has been sent to the client yet and a read changes nothing, so it can run
            // again. After a database restart the pool may still hold dead connections: drop them.
            dataSource.Clear();
            return await QueryOnceAsync(sql, id, userId, cancellationToken);
        }
    }

    private async Task<(NpgsqlConnection Connection, NpgsqlCommand Command, NpgsqlDataReader? Reader)> QueryOnceAsync(
        string sql, Guid id, Guid userId, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        NpgsqlCommand? command = null;
        NpgsqlDataReader? reader = null;
        try
        {
            command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = id }, new() { Value = userId } } };
            reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess | CommandBehavior.SingleRow, cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                return (connection, command, reader);
            }
        }
        catch
        {
            await DisposeAsync(connection, command, reader);
            throw;
        }

        await DisposeAsync(connection, command, reader);
        return (connection, command, null);
    }

    private static async Task DisposeAsync(NpgsqlConnection connection, NpgsqlCommand? command, NpgsqlDataReader? reader)
    {
        if (reader is not null)
        {
            await reader.DisposeAsync();
        }

        if (command is not null)
        {
            await command.DisposeAsync();
        }

        await connection.DisposeAsync();
    }
}

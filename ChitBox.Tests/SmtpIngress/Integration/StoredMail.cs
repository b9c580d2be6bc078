using Npgsql;

namespace ChitBox.Tests.SmtpIngress.Integration;

/// <summary>What the ingress filed for a user, read straight from the database.</summary>
public sealed record StoredMail(Guid Id, Guid FolderId, string? Subject, string? FromEmail, string? BodyText, string TraceHeaders, byte[] Raw)
{
    public static async Task<List<StoredMail>> ForUserAsync(string connectionString, Guid userId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT m.id, m.folder_id, m.subject, m.from_email, m.body_text, m.trace_headers, r.content
            FROM mail_messages m JOIN raw_messages r ON r.id = m.raw_message_id
            WHERE m.user_id = $1 ORDER BY m.created_at, m.id
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = userId });
        await using var reader = await command.ExecuteReaderAsync();
        var mail = new List<StoredMail>();
        while (await reader.ReadAsync())
        {
            mail.Add(new StoredMail(
                reader.GetGuid(0), reader.GetGuid(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.GetString(5), (byte[])reader[6]));
        }

        return mail;
    }
}

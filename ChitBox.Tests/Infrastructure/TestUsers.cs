using ChitBox.Mail.Folders;
using ChitBox.Mail.Users;
using Npgsql;

namespace ChitBox.Tests.Infrastructure;

/// <summary>Registers users straight in the database, with their standard folders, as registration does.</summary>
public static class TestUsers
{
    public static string UniqueAddress(string prefix = "user", string domain = "chitbox.local") =>
        $"{prefix}-{Guid.NewGuid():N}@{domain}";

    public static async Task<Guid> CreateAsync(string connectionString, string email)
    {
        var user = new User { Email = email, NormalizedEmail = User.Normalize(email), PasswordHash = "not-a-real-hash" };
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var batch = new NpgsqlBatch(connection);
        var insertUser = new NpgsqlBatchCommand(
            "INSERT INTO users (id, email, normalized_email, display_name, password_hash, created_at) VALUES ($1, $2, $3, NULL, $4, now())");
        insertUser.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = user.Id });
        insertUser.Parameters.Add(new NpgsqlParameter<string> { TypedValue = user.Email });
        insertUser.Parameters.Add(new NpgsqlParameter<string> { TypedValue = user.NormalizedEmail });
        insertUser.Parameters.Add(new NpgsqlParameter<string> { TypedValue = user.PasswordHash });
        batch.BatchCommands.Add(insertUser);
        foreach (var folder in Folder.StandardFolders(user.Id))
        {
            var insertFolder = new NpgsqlBatchCommand("INSERT INTO folders (id, user_id, name, kind, created_at) VALUES ($1, $2, $3, $4, now())");
            insertFolder.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = folder.Id });
            insertFolder.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = user.Id });
            insertFolder.Parameters.Add(new NpgsqlParameter<string> { TypedValue = folder.Name });
            insertFolder.Parameters.Add(new NpgsqlParameter<string> { TypedValue = folder.Kind.ToString().ToLowerInvariant() });
            batch.BatchCommands.Add(insertFolder);
        }

        await batch.ExecuteNonQueryAsync();
        return user.Id;
    }
}

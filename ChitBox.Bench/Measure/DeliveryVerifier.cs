using ChitBox.Bench.Load;
using Npgsql;

namespace ChitBox.Bench.Measure;

/// <summary>
/// Checks in <c>mail_messages</c> that every message accepted with 250 was stored exactly
/// once, by the token in its Message-ID (stored without angle brackets).
/// </summary>
public static class DeliveryVerifier
{
    public static async Task<DeliveryCheck> VerifyAsync(
        string connectionString, string runId, IEnumerable<MessageToken> accepted, CancellationToken cancellationToken)
    {
        var stored = new Dictionary<string, int>(StringComparer.Ordinal);
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand(
                "SELECT message_id, count(*) FROM mail_messages WHERE message_id LIKE $1 GROUP BY message_id", connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = MessageToken.RunPrefix(runId) + "%" });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var messageId = reader.GetString(0);
                var at = messageId.IndexOf('@');
                stored[at < 0 ? messageId : messageId[..at]] = (int)reader.GetInt64(1);
            }
        }

        var expected = accepted.Select(t => t.ToString()).ToHashSet(StringComparer.Ordinal);
        var missing = expected.Where(t => !stored.ContainsKey(t)).Order(StringComparer.Ordinal).ToList();
        var duplicated = stored.Where(s => s.Value > 1).Select(s => s.Key).Order(StringComparer.Ordinal).ToList();
        // Stored without a 250 seen: a retry after a broken connection, or a commit whose reply was lost.
        var unacknowledged = stored.Keys.Where(k => !expected.Contains(k)).Order(StringComparer.Ordinal).ToList();
        return new DeliveryCheck(expected.Count, stored.Values.Sum(), missing, duplicated, unacknowledged);
    }
}

/// <summary>The verdict of <see cref="DeliveryVerifier"/>; <see cref="Passed"/> when nothing is missing or duplicated.</summary>
public sealed record DeliveryCheck(
    int Accepted, int StoredRows, IReadOnlyList<string> Missing, IReadOnlyList<string> Duplicated, IReadOnlyList<string> Unacknowledged)
{
    public bool Passed => Missing.Count == 0 && Duplicated.Count == 0;

    public override string ToString() =>
        $"{Accepted} accepted, {StoredRows} stored rows, {Missing.Count} missing, {Duplicated.Count} duplicated, " +
        $"{Unacknowledged.Count} stored without a 250" +
        (Missing.Count > 0 ? $"; first missing {Missing[0]}" : "") +
        (Duplicated.Count > 0 ? $"; first duplicated {Duplicated[0]}" : "");
}

using Npgsql;

namespace ChitBox.Api.Messages;

/// <summary>
/// One message's raw bytes, open on the database: its trace headers, then the shared raw
/// content read with <c>SequentialAccess</c>, so it streams through and is never held whole.
/// </summary>
public sealed class RawMessageContent(NpgsqlConnection connection, NpgsqlCommand command, NpgsqlDataReader reader, byte[] traceHeaders, long contentLength)
    : IAsyncDisposable
{
    private const int ContentOrdinal = 2;

    /// <summary>Octets that <see cref="CopyToAsync"/> writes.</summary>
    public long Length => traceHeaders.Length + contentLength;

    public async Task CopyToAsync(Stream destination, CancellationToken cancellationToken)
    {
        await destination.WriteAsync(traceHeaders, cancellationToken);
        await using var content = reader.GetStream(ContentOrdinal);
        await content.CopyToAsync(destination, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await reader.DisposeAsync();
        await command.DisposeAsync();
        await connection.DisposeAsync();
    }
}

using System.Buffers;
using MimeKit;
using MimeKit.IO;
using MimeKit.IO.Filters;
using MimeKit.Utils;
using Npgsql;

namespace ChitBox.Api.Messages;

/// <summary>
/// An attachment open on the database: its byte range of the raw message, read with
/// <c>SequentialAccess</c> and decoded from its transfer encoding while it streams.
/// </summary>
public sealed class AttachmentContent(
    NpgsqlConnection connection,
    NpgsqlCommand command,
    NpgsqlDataReader reader,
    string contentType,
    string? fileName,
    bool isInline,
    long size,
    string? transferEncoding) : IAsyncDisposable
{
    public const int ContentOrdinal = 5;
    private const int BufferSize = 64 * 1024;

    public string ContentType => contentType;

    public string? FileName => fileName;

    public bool IsInline => isInline;

    /// <summary>Decoded size in octets, as the ingress recorded it.</summary>
    public long Size => size;

    /// <summary>Writes the decoded bytes; returns how many.</summary>
    public async Task<long> CopyDecodedToAsync(Stream destination, CancellationToken cancellationToken)
    {
        await using var encoded = reader.GetStream(ContentOrdinal);
        await using var decoded = Decode(encoded, transferEncoding);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long written = 0;
            int read;
            while ((read = await decoded.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
            {
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                written += read;
            }

            return written;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static Stream Decode(Stream encoded, string? transferEncoding)
    {
        if (transferEncoding is null || !MimeUtils.TryParse(transferEncoding, out ContentEncoding encoding)
            || encoding is not (ContentEncoding.Base64 or ContentEncoding.QuotedPrintable or ContentEncoding.UUEncode))
        {
            return encoded; // 7bit, 8bit, binary: the bytes are the content.
        }

        var filtered = new FilteredStream(encoded);
        filtered.Add(DecoderFilter.Create(encoding));
        return filtered;
    }

    public async ValueTask DisposeAsync()
    {
        await reader.DisposeAsync();
        await command.DisposeAsync();
        await connection.DisposeAsync();
    }
}

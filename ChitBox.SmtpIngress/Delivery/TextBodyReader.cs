using System.Buffers;
using System.Text;
using MimeKit;

namespace ChitBox.SmtpIngress.Delivery;

/// <summary>
/// Reads a text part as MimeKit's <see cref="TextPart.Text"/> would (transfer encoding
/// undone, CRLF as LF, the declared charset), but in one pooled buffer sized from the
/// spooled part, and with the charset resolved once per name: MimeKit's lookup takes a
/// process-wide lock and its reader grows a stream and filters it twice.
/// </summary>
internal static class TextBodyReader
{
    private static readonly BoundedMemo<string, Encoding?> Charsets = new(capacity: 256, StringComparer.OrdinalIgnoreCase);

    /// <summary>The text, at most <paramref name="maxChars"/> long; problems are noted, never thrown.</summary>
    public static string? Read(TextPart? part, int maxChars, List<string> problems)
    {
        if (part?.Content is not { } content)
        {
            return null;
        }

        try
        {
            var encodedLength = content.Stream?.Length ?? 0;
            if (encodedLength > maxChars * 4L)
            {
                return ReadTruncated(part, content, maxChars, problems);
            }

            // Without a charset MimeKit guesses from the bytes, and in UTF-16 or EBCDIC a CR LF is
            // not the bytes 0D 0A: those rare cases keep MimeKit's way.
            var text = Charset(part) is { } encoding && WritesLineBreaksAsAscii(encoding)
                ? Decode(content, encodedLength, encoding)
                : part.Text;
            return text.Length > maxChars ? text[..maxChars] : text;
        }
        catch (Exception e) when (e is FormatException or DecoderFallbackException or NotSupportedException)
        {
            problems.Add($"undecodable {part.ContentType.MimeType} body: {e.Message}");
            return null;
        }
    }

    /// <summary>The declared charset's encoding, or null when there is none or it is unknown.</summary>
    private static Encoding? Charset(TextPart part) =>
        part.ContentType.Charset is { } name
            ? Charsets.GetOrAdd(name, static (_, type) => type.CharsetEncoding, part.ContentType)
            : null;

    /// <summary>
    /// Whether CR LF is written as the bytes 0D 0A, so a CR can be dropped before decoding. In the
    /// encodings where it is (ASCII's supersets, UTF-7, Shift_JIS, GB18030...) those bytes are
    /// never part of another character.
    /// </summary>
    private static bool WritesLineBreaksAsAscii(Encoding encoding)
    {
        Span<byte> lineBreak = stackalloc byte[16];
        return encoding.GetBytes("\r\n", lineBreak) == 2 && lineBreak[..2].SequenceEqual("\r\n"u8);
    }

    private static string Decode(IMimeContent content, long encodedLength, Encoding encoding)
    {
        // Undoing base64, quoted-printable or uuencode never lengthens the content.
        var buffer = ArrayPool<byte>.Shared.Rent((int)encodedLength + 1);
        try
        {
            using var decoded = content.Open();
            var length = 0;
            int read;
            while ((read = decoded.Read(buffer, length, buffer.Length - length)) > 0)
            {
                length += read;
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
            }

            var bytes = buffer.AsSpan(0, WithoutCarriageReturns(buffer.AsSpan(0, length)));
            return encoding.GetString(bytes);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Drops each CR that precedes an LF, in place; returns the new length.</summary>
    private static int WithoutCarriageReturns(Span<byte> bytes)
    {
        var first = bytes.IndexOf("\r\n"u8);
        if (first < 0)
        {
            return bytes.Length;
        }

        var written = first;
        var read = first + 1;
        while (read < bytes.Length)
        {
            var next = bytes[(read + 1)..].IndexOf("\r\n"u8);
            var end = next < 0 ? bytes.Length : read + 1 + next;
            bytes[read..end].CopyTo(bytes[written..]);
            written += end - read;
            read = end + 1;
        }

        return written;
    }

    /// <summary>Decodes only the start of a huge text part, so it never sits whole in memory.</summary>
    private static string ReadTruncated(TextPart part, IMimeContent content, int maxChars, List<string> problems)
    {
        problems.Add($"{part.ContentType.MimeType} body truncated to {maxChars} characters; the raw message has it whole");
        using var decoded = content.Open();
        using var reader = new StreamReader(decoded, Charset(part) ?? Encoding.UTF8, detectEncodingFromByteOrderMarks: false);
        var buffer = new char[maxChars];
        var read = reader.ReadBlock(buffer, 0, buffer.Length);
        return new string(buffer, 0, read);
    }
}

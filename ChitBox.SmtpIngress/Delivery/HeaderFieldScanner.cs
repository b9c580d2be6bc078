using System.Buffers;
using System.Text;

namespace ChitBox.SmtpIngress.Delivery;

/// <summary>
/// Finds a header field too large to hand to MimeKit, in one pass over the raw bytes.
/// MimeKit's time to read one header field grows with the square of its size (1 MB takes
/// 0.2 s, 8 MB 3.5 s, and 5 MB folded over a million lines over two minutes), while
/// thousands of ordinary fields cost next to nothing.
/// </summary>
/// <remarks>
/// Header context is where MimeKit reads fields: the start of the message, the lines after
/// one starting with <c>--</c> (a boundary, so a part's headers), and the block after headers
/// that declare <c>Content-Type: message/...</c> (an attached message's own headers). A
/// field there is a line and its continuation lines (starting with a space or tab), counted
/// with their line endings; a blank line ends the block.
/// </remarks>
public sealed class HeaderFieldScanner(long maxFieldLength)
{
    // The start of a field kept to recognise Content-Type: message/...; the type comes early.
    private const int FieldHeadLength = 256;

    private readonly byte[] _fieldHead = new byte[FieldHeadLength];
    private int _fieldHeadLength;
    private long _fieldLength;
    private bool _inHeaders = true;
    private bool _blockDeclaresMessage;

    private bool _atLineStart = true;
    // The current line: how many of its first two bytes were seen, whether both are dashes,
    // and whether it holds anything besides its line ending.
    private int _lineStartSeen;
    private bool _lineStartsWithDashes;
    private bool _lineHasText;

    private long _offset;

    /// <summary>The offset, in the bytes fed, at which a field first exceeded the limit; null while none has.</summary>
    public long? OversizedAt { get; private set; }

    /// <summary>Reads the stream from its position to the end, or to the first oversized field; returns <see cref="OversizedAt"/>.</summary>
    public static async Task<long?> FindOversizedFieldAsync(Stream stream, long maxFieldLength, CancellationToken cancellationToken)
    {
        var scanner = new HeaderFieldScanner(maxFieldLength);
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int read;
            while (scanner.OversizedAt is null && (read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                scanner.Feed(buffer.AsSpan(0, read));
            }

            return scanner.OversizedAt;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Feed(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty && OversizedAt is null)
        {
            if (_atLineStart)
            {
                BeginLine(bytes[0]);
            }

            var lineEnd = bytes.IndexOf((byte)'\n');
            var length = lineEnd < 0 ? bytes.Length : lineEnd + 1;
            Take(bytes[..length]);
            if (lineEnd >= 0)
            {
                EndLine();
            }

            _offset += length;
            bytes = bytes[length..];
        }
    }

    private void BeginLine(byte first)
    {
        _atLineStart = false;
        _lineStartSeen = 0;
        _lineStartsWithDashes = false;
        _lineHasText = false;
        if (_inHeaders && first is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
        {
            EndField();
        }
    }

    /// <summary>Part of the current line, up to and including its line feed if it has one.</summary>
    private void Take(ReadOnlySpan<byte> part)
    {
        for (var i = 0; _lineStartSeen < 2 && i < part.Length; i++, _lineStartSeen++)
        {
            _lineStartsWithDashes = part[i] == '-' && (_lineStartSeen == 0 || _lineStartsWithDashes);
        }

        _lineHasText |= part.IndexOfAnyExcept((byte)'\r', (byte)'\n') >= 0;
        if (!_inHeaders)
        {
            return;
        }

        var head = part[..Math.Min(part.Length, FieldHeadLength - _fieldHeadLength)];
        head.CopyTo(_fieldHead.AsSpan(_fieldHeadLength));
        _fieldHeadLength += head.Length;

        if (_fieldLength + part.Length > maxFieldLength)
        {
            OversizedAt = _offset + (maxFieldLength - _fieldLength);
        }

        _fieldLength += part.Length;
    }

    private void EndLine()
    {
        _atLineStart = true;
        if (_inHeaders && !_lineHasText)
        {
            EndField();
            _inHeaders = _blockDeclaresMessage;
            _blockDeclaresMessage = false;
        }
        else if (!_inHeaders && _lineStartsWithDashes)
        {
            _inHeaders = true;
        }
    }

    private void EndField()
    {
        _blockDeclaresMessage |= DeclaresMessage(_fieldHead.AsSpan(0, _fieldHeadLength));
        _fieldHeadLength = 0;
        _fieldLength = 0;
    }

    private static bool DeclaresMessage(ReadOnlySpan<byte> field)
    {
        const string name = "content-type:";
        if (field.Length <= name.Length || !Ascii.EqualsIgnoreCase(field[..name.Length], name))
        {
            return false;
        }

        var value = field[name.Length..].TrimStart(" \t\r\n"u8);
        return value.Length >= "message/".Length && Ascii.EqualsIgnoreCase(value[.."message/".Length], "message/");
    }
}

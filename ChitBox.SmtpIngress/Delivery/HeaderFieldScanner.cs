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
/// whose Content-Type MimeKit may read as a message (an attached message's own headers). A
/// field there is a line and its continuation lines (starting with a space or tab), counted
/// with their line endings; a blank line ends the block.
/// </remarks>
public sealed class HeaderFieldScanner(long maxFieldLength)
{
    // The start of a field kept to recognise a Content-Type that declares a message.
    private const int FieldHeadLength = 256;

    private readonly byte[] _fieldHead = new byte[FieldHeadLength];
    private int _fieldHeadLength;
    private long _fieldLength;
    private bool _inHeaders = true;
    private bool _blockMayHoldMessage;

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
            _inHeaders = _blockMayHoldMessage;
            _blockMayHoldMessage = false;
        }
        else if (!_inHeaders && _lineStartsWithDashes)
        {
            _inHeaders = true;
        }
    }

    private void EndField()
    {
        _blockMayHoldMessage |= MayDeclareMessage(_fieldHead.AsSpan(0, _fieldHeadLength), whole: _fieldLength <= FieldHeadLength);
        _fieldHeadLength = 0;
        _fieldLength = 0;
    }

    /// <summary>
    /// Whether a field is a Content-Type MimeKit may read as a message: <c>message/*</c>, or
    /// <c>text/rfc822-headers</c> (a bounce's copy of the headers). Read as MimeKit reads it:
    /// white space before the colon, comments and folding anywhere between the words. A field
    /// cut off before its type shows counts as one.
    /// </summary>
    private static bool MayDeclareMessage(ReadOnlySpan<byte> field, bool whole)
    {
        const string name = "content-type";
        if (field.Length < name.Length || !Ascii.EqualsIgnoreCase(field[..name.Length], name))
        {
            return false;
        }

        var rest = field[name.Length..].TrimStart(" \t"u8);
        if (rest.IsEmpty || rest[0] != ':')
        {
            return rest.IsEmpty && !whole;
        }

        if (!TryReadWord(ref rest, whole, out var type))
        {
            return true;
        }

        if (Ascii.EqualsIgnoreCase(type, "message"))
        {
            return true;
        }

        if (!Ascii.EqualsIgnoreCase(type, "text"))
        {
            return false;
        }

        rest = SkipCommentsAndSpace(rest);
        if (rest.IsEmpty || rest[0] != '/')
        {
            return rest.IsEmpty && !whole;
        }

        return !TryReadWord(ref rest, whole, out var subtype) || Ascii.EqualsIgnoreCase(subtype, "rfc822-headers");
    }

    /// <summary>
    /// Skips the separator at <paramref name="rest"/>'s start (':' or '/'), comments and white
    /// space, and reads the word after them; false when the field is cut off before it ends.
    /// </summary>
    private static bool TryReadWord(ref ReadOnlySpan<byte> rest, bool whole, out ReadOnlySpan<byte> word)
    {
        rest = SkipCommentsAndSpace(rest[1..]);
        var end = rest.IndexOfAny(" \t\r\n/;()"u8);
        if (end < 0 && !whole)
        {
            word = default;
            return false;
        }

        word = rest[..(end < 0 ? rest.Length : end)];
        rest = rest[word.Length..];
        return true;
    }

    /// <summary>What follows the comments and white space at the start; empty when nothing does.</summary>
    private static ReadOnlySpan<byte> SkipCommentsAndSpace(ReadOnlySpan<byte> value)
    {
        var depth = 0;
        var i = 0;
        for (; i < value.Length; i++)
        {
            var b = value[i];
            if (b == '\\' && depth > 0)
            {
                i++;
            }
            else if (b == '(')
            {
                depth++;
            }
            else if (b == ')' && depth > 0)
            {
                depth--;
            }
            else if (depth == 0 && b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                break;
            }
        }

        return value[Math.Min(i, value.Length)..];
    }
}

using System.Buffers;
using System.Text;

namespace ChitBox.SmtpIngress.Protocol;

/// <summary>
/// One SMTP reply: a three-digit code, an optional RFC 3463 enhanced status code
/// (repeated on every line, as RFC 2034 asks), and one or more lines of text.
/// </summary>
public sealed class SmtpReply
{
    public SmtpReply(int code, string? enhancedCode, params IReadOnlyList<string> lines)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(code, 200);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(code, 599);
        if (lines.Count == 0)
        {
            lines = [string.Empty];
        }

        foreach (var line in lines)
        {
            if (line.AsSpan().IndexOfAny('\r', '\n') >= 0)
            {
                throw new ArgumentException("A reply line cannot contain CR or LF.", nameof(lines));
            }
        }

        Code = code;
        EnhancedCode = enhancedCode;
        Lines = lines;
    }

    public int Code { get; }

    /// <summary>For example <c>5.1.1</c>; null for replies that carry none (220 greeting, 354, EHLO keywords).</summary>
    public string? EnhancedCode { get; }

    public IReadOnlyList<string> Lines { get; }

    /// <summary>2xx or 3xx.</summary>
    public bool IsPositive => Code < 400;

    /// <summary>4xx or 5xx.</summary>
    public bool IsError => Code >= 400;

    /// <summary>Writes the reply, CRLF-terminated, as <c>250-first</c> … <c>250 last</c>.</summary>
    public void WriteTo(IBufferWriter<byte> writer)
    {
        for (var i = 0; i < Lines.Count; i++)
        {
            var line = FormatLine(i);
            var span = writer.GetSpan(Encoding.UTF8.GetMaxByteCount(line.Length) + 2);
            var written = Encoding.UTF8.GetBytes(line, span);
            span[written] = (byte)'\r';
            span[written + 1] = (byte)'\n';
            writer.Advance(written + 2);
        }
    }

    public byte[] ToBytes()
    {
        var buffer = new ArrayBufferWriter<byte>();
        WriteTo(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The reply as sent, lines separated by CRLF, without the final CRLF.</summary>
    public override string ToString() =>
        string.Join("\r\n", Enumerable.Range(0, Lines.Count).Select(FormatLine));

    private string FormatLine(int index)
    {
        var separator = index == Lines.Count - 1 ? ' ' : '-';
        var text = Lines[index];
        if (EnhancedCode is null)
        {
            return text.Length == 0 ? $"{Code}{separator}" : $"{Code}{separator}{text}";
        }

        return text.Length == 0 ? $"{Code}{separator}{EnhancedCode}" : $"{Code}{separator}{EnhancedCode} {text}";
    }
}

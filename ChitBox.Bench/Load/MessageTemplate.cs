using System.Text;

namespace ChitBox.Bench.Load;

/// <summary>
/// The bytes of one test message of a given size, built once: a small header block
/// holding the message's token (in Subject and Message-ID) and a body shared by every
/// message of that size. A sender copies the header block once and overwrites only the
/// token for each message; the body is never copied. No body line starts with a dot,
/// so the bytes go on the wire as they are, for DATA and BDAT alike.
/// </summary>
public sealed class MessageTemplate
{
    public const string SubjectPrefix = "bench ";
    public const string MessageIdDomain = "bench.chitbox";

    private const int LineLength = 76;
    private readonly byte[] _head;
    private readonly int[] _tokenOffsets;

    private MessageTemplate(byte[] head, int[] tokenOffsets, byte[] body)
    {
        _head = head;
        _tokenOffsets = tokenOffsets;
        Body = body;
    }

    /// <summary>The body, ending with CRLF, shared by every message of this size.</summary>
    public byte[] Body { get; }

    public int HeadLength => _head.Length;

    /// <summary>Header block plus body: the message as the server stores it.</summary>
    public long Length => _head.Length + Body.Length;

    public static MessageTemplate Create(long size)
    {
        var placeholder = new string('0', MessageToken.Length);
        var head = new StringBuilder()
            .Append("From: ChitBox Bench <sender@bench.example>\r\n")
            .Append("To: Bench Recipient <recipient@chitbox.local>\r\n")
            .Append("Subject: ").Append(SubjectPrefix).Append(placeholder).Append("\r\n")
            .Append("Message-ID: <").Append(placeholder).Append('@').Append(MessageIdDomain).Append(">\r\n")
            .Append("Date: ").Append(DateTimeOffset.UtcNow.ToString("r")).Append("\r\n")
            .Append("MIME-Version: 1.0\r\n")
            .Append("Content-Type: text/plain; charset=us-ascii\r\n")
            .Append("\r\n")
            .ToString();
        var headBytes = Encoding.ASCII.GetBytes(head);
        var offsets = new[] { head.IndexOf(placeholder, StringComparison.Ordinal), head.LastIndexOf(placeholder, StringComparison.Ordinal) };
        return new MessageTemplate(headBytes, offsets, BuildBody(Math.Max(size - headBytes.Length, 2)));
    }

    /// <summary>A private copy of the header block for one sender to stamp tokens into.</summary>
    public byte[] NewHead() => (byte[])_head.Clone();

    /// <summary>Writes the token into a header block from <see cref="NewHead"/>.</summary>
    public void Stamp(byte[] head, in MessageToken token)
    {
        foreach (var offset in _tokenOffsets)
        {
            token.Write(head.AsSpan(offset, MessageToken.Length));
        }
    }

    /// <summary>Lines of letters, each 76 characters plus CRLF, the last one shorter to land on the size.</summary>
    private static byte[] BuildBody(long size)
    {
        var body = new byte[size];
        var column = 0;
        var letter = 0;
        for (long i = 0; i < size; i++)
        {
            if (i == size - 2 || column == LineLength)
            {
                body[i] = (byte)'\r';
                body[++i] = (byte)'\n';
                column = 0;
                continue;
            }

            body[i] = (byte)('a' + letter);
            letter = (letter + 1) % 26;
            column++;
        }

        return body;
    }
}

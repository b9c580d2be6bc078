using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ChitBox.Bench.Load;

/// <summary>
/// The bench's own SMTP client connection over a raw socket: no MIME, no allocation per
/// message beyond what the socket needs. It pipelines as the server allows: MAIL, RCPT
/// and DATA go in one write, then the message and its terminator in one gather write
/// (or, with CHUNKING, everything including <c>BDAT n LAST</c> in one write). A session's
/// last message can carry QUIT behind it in that write, as Exim does (RFC 2920 3.1 lets
/// QUIT end a group).
/// </summary>
public sealed class SmtpConnection : IAsyncDisposable
{
    private static readonly byte[] DataTerminator = ".\r\n"u8.ToArray();
    private static readonly byte[] Rset = "RSET\r\n"u8.ToArray();
    private static readonly byte[] Quit = "QUIT\r\n"u8.ToArray();

    private readonly Socket _socket;
    private byte[] _buffer = new byte[4096];
    private int _start;
    private int _end;

    private SmtpConnection(Socket socket) => _socket = socket;

    public bool Pipelining { get; private set; }

    public bool Chunking { get; private set; }

    /// <summary>QUIT has been sent: the connection is closing and takes no more commands.</summary>
    public bool HasQuit { get; private set; }

    /// <summary>Connects, reads the greeting and says EHLO. A greeting other than 220 is returned, not thrown.</summary>
    public static async Task<(SmtpConnection? Connection, SmtpReply Reply)> OpenAsync(
        EndPoint server, string heloName, CancellationToken cancellationToken)
    {
        var socket = server is IPEndPoint ip
            ? new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }
            : new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var connection = new SmtpConnection(socket);
        try
        {
            await socket.ConnectAsync(server, cancellationToken);
            var greeting = await connection.ReadReplyAsync(cancellationToken);
            if (greeting.Code != 220)
            {
                await connection.DisposeAsync();
                return (null, greeting);
            }

            await connection.SendAsync(Encoding.ASCII.GetBytes($"EHLO {heloName}\r\n"), cancellationToken);
            var ehlo = await connection.ReadReplyAsync(cancellationToken);
            if (ehlo.Code != 250)
            {
                await connection.DisposeAsync();
                return (null, ehlo);
            }

            foreach (var line in ehlo.Text.Split('\n'))
            {
                var keyword = line.Trim().Split(' ')[0].ToUpperInvariant();
                connection.Pipelining |= keyword == "PIPELINING";
                connection.Chunking |= keyword == "CHUNKING";
            }

            return (connection, ehlo);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Sends one message to one recipient and reads every reply. <see cref="TransactionResult.Latency"/>
    /// runs from the moment the last byte of the message was handed to the socket to the
    /// moment the final reply was read. With <paramref name="quitAfter"/> and PIPELINING the
    /// QUIT goes out with the message (saving the session a round trip), its 221 is read after
    /// the final reply, and <see cref="HasQuit"/> is set; without PIPELINING nothing changes.
    /// </summary>
    public async Task<TransactionResult> SendMessageAsync(
        string sender, string recipient, byte[] head, byte[] body, bool useBdat, bool quitAfter,
        CancellationToken cancellationToken)
    {
        var quit = quitAfter && Pipelining;
        var size = head.Length + body.Length;
        var mail = $"MAIL FROM:<{sender}> SIZE={size}\r\n";
        var rcpt = $"RCPT TO:<{recipient}>\r\n";
        if (useBdat && Chunking)
        {
            var commands = Encoding.ASCII.GetBytes($"{mail}{rcpt}BDAT {size} LAST\r\n");
            await SendAsync(quit ? [commands, head, body, Quit] : [commands, head, body], cancellationToken);
            var sent = Stopwatch.GetTimestamp();
            var mailReply = await ReadReplyAsync(cancellationToken);
            var rcptReply = await ReadReplyAsync(cancellationToken);
            var bdatReply = await ReadReplyAsync(cancellationToken);
            var received = Stopwatch.GetTimestamp();
            if (quit)
            {
                await ReadQuitReplyAsync(cancellationToken);
            }

            var failed = !mailReply.IsPositive ? mailReply : !rcptReply.IsPositive ? rcptReply : bdatReply;
            return new TransactionResult(failed, Stopwatch.GetElapsedTime(sent, received), received);
        }

        SmtpReply envelopeFailure = default;
        if (Pipelining)
        {
            await SendAsync(Encoding.ASCII.GetBytes($"{mail}{rcpt}DATA\r\n"), cancellationToken);
            var mailReply = await ReadReplyAsync(cancellationToken);
            var rcptReply = await ReadReplyAsync(cancellationToken);
            var dataReply = await ReadReplyAsync(cancellationToken);
            envelopeFailure = !mailReply.IsPositive ? mailReply : !rcptReply.IsPositive ? rcptReply : default;
            if (dataReply.Code != 354)
            {
                return new TransactionResult(envelopeFailure.Code != 0 ? envelopeFailure : dataReply, TimeSpan.Zero, 0);
            }
        }
        else
        {
            foreach (var command in new[] { mail, rcpt, "DATA\r\n" })
            {
                await SendAsync(Encoding.ASCII.GetBytes(command), cancellationToken);
                var reply = await ReadReplyAsync(cancellationToken);
                if (command == "DATA\r\n" ? reply.Code != 354 : !reply.IsPositive)
                {
                    return new TransactionResult(reply, TimeSpan.Zero, 0);
                }
            }
        }

        if (envelopeFailure.Code != 0)
        {
            // The server wants data even though the envelope failed: end it at once.
            await SendAsync(DataTerminator, cancellationToken);
            await ReadReplyAsync(cancellationToken);
            return new TransactionResult(envelopeFailure, TimeSpan.Zero, 0);
        }

        await SendAsync(quit ? [head, body, DataTerminator, Quit] : [head, body, DataTerminator], cancellationToken);
        var dataSent = Stopwatch.GetTimestamp();
        var final = await ReadReplyAsync(cancellationToken);
        var finalReceived = Stopwatch.GetTimestamp();
        if (quit)
        {
            await ReadQuitReplyAsync(cancellationToken);
        }

        return new TransactionResult(final, Stopwatch.GetElapsedTime(dataSent, finalReceived), finalReceived);
    }

    public async Task<SmtpReply> ResetAsync(CancellationToken cancellationToken)
    {
        await SendAsync(Rset, cancellationToken);
        return await ReadReplyAsync(cancellationToken);
    }

    /// <summary>QUIT and wait for 221 (or the close), as a polite MTA does.</summary>
    public async Task QuitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(Quit, cancellationToken);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
        }

        await ReadQuitReplyAsync(cancellationToken);
    }

    /// <summary>After a QUIT: its reply, or the close; either way the session is over.</summary>
    private async Task ReadQuitReplyAsync(CancellationToken cancellationToken)
    {
        HasQuit = true;
        try
        {
            await ReadReplyAsync(cancellationToken);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
        }
    }

    private async ValueTask SendAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        var sent = 0;
        while (sent < bytes.Length)
        {
            sent += await _socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, cancellationToken);
        }
    }

    /// <summary>One gather write (sendmsg) for all parts; whatever the kernel did not take is sent after.</summary>
    private async ValueTask SendAsync(byte[][] parts, CancellationToken cancellationToken)
    {
        var segments = new List<ArraySegment<byte>>(parts.Length);
        foreach (var part in parts)
        {
            segments.Add(part);
        }

        long sent = await _socket.SendAsync(segments, SocketFlags.None);
        foreach (var part in parts)
        {
            if (sent >= part.Length)
            {
                sent -= part.Length;
                continue;
            }

            var rest = part.AsMemory((int)sent);
            sent = 0;
            while (!rest.IsEmpty)
            {
                var n = await _socket.SendAsync(rest, SocketFlags.None, cancellationToken);
                rest = rest[n..];
            }
        }
    }

    /// <summary>Reads one reply; its lines' text is joined with '\n'.</summary>
    public async ValueTask<SmtpReply> ReadReplyAsync(CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        while (true)
        {
            var line = await ReadLineAsync(cancellationToken);
            if (line.Length < 3 || !int.TryParse(line.AsSpan(0, 3), out var code))
            {
                throw new IOException($"Not an SMTP reply: '{line}'.");
            }

            if (text.Length > 0)
            {
                text.Append('\n');
            }

            text.Append(line.Length > 4 ? line[4..] : string.Empty);
            if (line.Length == 3 || line[3] != '-')
            {
                return new SmtpReply(code, text.ToString());
            }
        }
    }

    private async ValueTask<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                var length = newline - _start;
                if (length > 0 && _buffer[newline - 1] == '\r')
                {
                    length--;
                }

                var line = Encoding.ASCII.GetString(_buffer, _start, length);
                _start = newline + 1;
                return line;
            }

            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                if (_buffer.Length >= 64 * 1024)
                {
                    throw new IOException("Reply line longer than 64 KB.");
                }

                Array.Resize(ref _buffer, _buffer.Length * 2);
            }

            var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                throw new IOException("The server closed the connection.");
            }

            _end += read;
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}

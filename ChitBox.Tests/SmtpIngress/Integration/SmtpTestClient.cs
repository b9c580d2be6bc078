using System.Net.Sockets;
using System.Text;
using Xunit.Abstractions;

namespace ChitBox.Tests.SmtpIngress.Integration;

/// <summary>
/// A raw SMTP client over a real socket, for input no well-behaved client library sends.
/// Every line each way goes to the test output, so a failure shows the conversation.
/// </summary>
public sealed class SmtpTestClient : IAsyncDisposable
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);

    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly ITestOutputHelper _output;
    private readonly byte[] _buffer = new byte[8192];
    private readonly StringBuilder _pending = new();

    private SmtpTestClient(TcpClient client, ITestOutputHelper output)
    {
        _client = client;
        _stream = client.GetStream();
        _output = output;
    }

    /// <summary>Connects and reads the greeting.</summary>
    public static async Task<(SmtpTestClient Client, string Greeting)> ConnectAsync(int port, ITestOutputHelper output)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var client = new SmtpTestClient(tcp, output);
        return (client, await client.ReadReplyAsync());
    }

    /// <summary>Sends one command line (CRLF added) and returns its whole reply.</summary>
    public async Task<string> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadReplyAsync();
    }

    public async Task SendAsync(string text) => await SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        _output.WriteLine("C: " + Visible(Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 2000))));
        await _stream.WriteAsync(bytes);
    }

    /// <summary>Reads one reply, multi-line replies joined with '\n'; empty when the server closed.</summary>
    public async Task<string> ReadReplyAsync()
    {
        var lines = new List<string>();
        using var timeout = new CancellationTokenSource(ReplyTimeout);
        while (true)
        {
            var line = await ReadLineAsync(timeout.Token);
            if (line is null)
            {
                _output.WriteLine("S: <closed>");
                return string.Join('\n', lines);
            }

            _output.WriteLine("S: " + line);
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
            {
                return string.Join('\n', lines);
            }
        }
    }

    /// <summary>Whether the server has closed the connection (reads to the end).</summary>
    public async Task<bool> IsClosedAsync()
    {
        using var timeout = new CancellationTokenSource(ReplyTimeout);
        return await ReadLineAsync(timeout.Token) is null;
    }

    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var text = _pending.ToString();
            var end = text.IndexOf("\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                _pending.Remove(0, end + 2);
                return text[..end];
            }

            int read;
            try
            {
                read = await _stream.ReadAsync(_buffer, cancellationToken);
            }
            catch (IOException)
            {
                return null;
            }

            if (read == 0)
            {
                return null;
            }

            _pending.Append(Encoding.UTF8.GetString(_buffer, 0, read));
        }
    }

    private static string Visible(string text) => text.Replace("\r", "\\r").Replace("\n", "\\n");

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}

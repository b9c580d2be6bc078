using ChitBox.SmtpIngress;
using Xunit.Abstractions;
using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using ChitBox.SmtpIngress.Session;
using ChitBox.SmtpIngress.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using System.Diagnostics.Metrics;

namespace ChitBox.Tests.SmtpIngress.Session;

/// <summary>
/// Drives an <see cref="SmtpSession"/> over in-memory pipes and writes the transcript
/// (C: client, S: server) to the test output.
/// </summary>
internal sealed class SmtpTestClient : IAsyncDisposable
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(15);

    private readonly ITestOutputHelper _output;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ServiceProvider _services;
    private readonly HandPumpedContext? _turns;
    private PipeWriter _toServer;
    private PipeReader _fromServer;

    private SmtpTestClient(ITestOutputHelper output, SmtpOptions options, FakeTlsUpgrader? tls, HandPumpedContext? turns, PipeOptions? toServerOptions)
    {
        _output = output;
        Options = options;
        Tls = tls;
        _turns = turns;
        var toServer = new Pipe(toServerOptions ?? PipeOptions.Default);
        var toClient = new Pipe();
        _toServer = toServer.Writer;
        _fromServer = toClient.Reader;
        Writer = new CountingPipeWriter(toClient.Writer);
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        MeterFactory = _services.GetRequiredService<IMeterFactory>();
        var telemetry = new SmtpTelemetry(MeterFactory);
        Session = new SmtpSession(
            SessionId,
            new IPEndPoint(IPAddress.Parse("192.0.2.10"), 40000),
            new DuplexPipe(toServer.Reader, Writer),
            options,
            Directory,
            Delivery,
            telemetry,
            NullLogger.Instance,
            tls);
        Running = turns is null ? Task.Run(() => Session.RunAsync(_stopping.Token)) : turns.Run(() => Session.RunAsync(_stopping.Token));
    }

    public SmtpOptions Options { get; }

    /// <summary>Unique per test, so span listeners can tell sessions apart.</summary>
    public string SessionId { get; } = $"test-{Guid.NewGuid():N}";

    public IMeterFactory MeterFactory { get; }

    public FakeRecipientDirectory Directory { get; } = new();

    public FakeMessageDelivery Delivery { get; } = new();

    public FakeTlsUpgrader? Tls { get; }

    public CountingPipeWriter Writer { get; }

    public SmtpSession Session { get; }

    public Task Running { get; }

    public static SmtpTestClient Start(ITestOutputHelper output, Action<SmtpOptions>? configure = null, FakeTlsUpgrader? tls = null)
    {
        var options = TestOptions();
        configure?.Invoke(options);
        return new SmtpTestClient(output, options, tls, turns: null, toServerOptions: null);
    }

    /// <summary>
    /// Starts a session that runs only when <paramref name="turns"/> is pumped, reading what the
    /// client sends through a pipe with <paramref name="toServer"/> (its thresholds).
    /// </summary>
    public static SmtpTestClient StartPumped(ITestOutputHelper output, HandPumpedContext turns, PipeOptions toServer)
    {
        var client = new SmtpTestClient(output, TestOptions(), tls: null, turns, toServer);
        client.Directory.Add("bob@chitbox.local");
        return client;
    }

    private static SmtpOptions TestOptions() => new() { HostName = "mx.test", Banner = "ChitBox SMTP Server" };

    /// <summary>Starts a session, reads the greeting, says EHLO and registers bob@chitbox.local.</summary>
    public static async Task<SmtpTestClient> ReadyAsync(ITestOutputHelper output, Action<SmtpOptions>? configure = null, FakeTlsUpgrader? tls = null)
    {
        var client = Start(output, configure, tls);
        client.Directory.Add("bob@chitbox.local");
        await client.ExpectAsync(220);
        await client.CommandAsync("EHLO client.test", 250);
        return client;
    }

    public void Stop() => _stopping.Cancel();

    /// <summary>Sends raw text (UTF-8) as one write.</summary>
    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        var shown = Encoding.UTF8.GetString(bytes);
        foreach (var line in shown.Split("\r\n").SkipLast(shown.EndsWith("\r\n", StringComparison.Ordinal) ? 1 : 0))
        {
            _output.WriteLine($"C: {Visible(line.Length > 200 ? line[..200] + $"… ({line.Length} chars)" : line)}");
        }

        await _toServer.WriteAsync(bytes);
    }

    /// <summary>Writes <paramref name="bytes"/> and returns the flush without waiting for it: it completes once the server has read enough.</summary>
    public ValueTask<FlushResult> Write(byte[] bytes)
    {
        _output.WriteLine($"C: ({bytes.Length} octets)");
        _toServer.Write(bytes);
        return _toServer.FlushAsync();
    }

    /// <summary>Sends one command line and returns the reply.</summary>
    public async Task<string> CommandAsync(string line, int? expectedCode = null)
    {
        await SendAsync(line + "\r\n");
        return expectedCode is { } code ? await ExpectAsync(code) : await ReadReplyAsync();
    }

    /// <summary>MAIL from a@example.com, RCPT to bob@chitbox.local, DATA: ready for the message.</summary>
    public async Task StartDataAsync()
    {
        await CommandAsync("MAIL FROM:<a@example.com>", 250);
        await CommandAsync("RCPT TO:<bob@chitbox.local>", 250);
        await CommandAsync("DATA", 354);
    }

    public async Task<string> ExpectAsync(int code, string? enhancedCode = null)
    {
        var reply = await ReadReplyAsync();
        Assert.True(reply.StartsWith($"{code}", StringComparison.Ordinal), $"expected {code} but got: {reply}");
        if (enhancedCode is not null)
        {
            Assert.StartsWith($"{code} {enhancedCode}", reply.Split('\n')[^1], StringComparison.Ordinal);
        }

        return reply;
    }

    /// <summary>Reads one complete (possibly multi-line) reply; lines joined with LF.</summary>
    public async Task<string> ReadReplyAsync()
    {
        var lines = new List<string>();
        using var timeout = new CancellationTokenSource(ReplyTimeout);
        while (true)
        {
            var result = await _fromServer.ReadAsync(timeout.Token);
            var buffer = result.Buffer;
            while (TryReadLine(ref buffer, out var line))
            {
                _output.WriteLine($"S: {line}");
                lines.Add(line);
                if (line.Length < 4 || line[3] != '-')
                {
                    _fromServer.AdvanceTo(buffer.Start);
                    return string.Join('\n', lines);
                }
            }

            _fromServer.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new InvalidOperationException($"Server closed the connection; partial reply: {string.Join('\n', lines)}");
            }
        }
    }

    /// <summary>The complete replies the server has sent so far, without waiting for more.</summary>
    public List<string> TakeReplies()
    {
        var replies = new List<string>();
        if (!_fromServer.TryRead(out var result))
        {
            return replies;
        }

        var buffer = result.Buffer;
        var consumed = buffer.Start;
        var lines = new List<string>();
        while (TryReadLine(ref buffer, out var line))
        {
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
            {
                replies.Add(string.Join('\n', lines));
                lines.Clear();
                consumed = buffer.Start;
            }
        }

        _fromServer.AdvanceTo(consumed, buffer.End);
        _output.WriteLine($"S: ({replies.Count} replies)");
        return replies;
    }

    /// <summary>True when the server has closed its side with nothing more to say.</summary>
    public async Task<bool> IsClosedAsync()
    {
        using var timeout = new CancellationTokenSource(ReplyTimeout);
        var result = await _fromServer.ReadAsync(timeout.Token);
        var closed = result.IsCompleted && result.Buffer.IsEmpty;
        if (!result.Buffer.IsEmpty)
        {
            _output.WriteLine($"S (unexpected): {Visible(Encoding.UTF8.GetString(result.Buffer))}");
        }

        _fromServer.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        if (closed)
        {
            _output.WriteLine("-- connection closed by server");
        }

        return closed;
    }

    /// <summary>After STARTTLS: talk over the "secured" pipes from now on.</summary>
    public void SwitchToTls()
    {
        _output.WriteLine("-- TLS handshake");
        _toServer = Tls!.ToServer.Writer;
        _fromServer = Tls.ToClient.Reader;
    }

    public async Task HangUpAsync()
    {
        _output.WriteLine("-- client hangs up");
        await _toServer.CompleteAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _toServer.CompleteAsync();
        try
        {
            _turns?.RunUntil(() => Running.IsCompleted);
            await Running.WaitAsync(ReplyTimeout);
        }
        finally
        {
            _stopping.Dispose();
            await _services.DisposeAsync();
        }
    }

    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, out string line)
    {
        var lf = buffer.PositionOf((byte)'\n');
        if (lf is null)
        {
            line = string.Empty;
            return false;
        }

        line = Encoding.UTF8.GetString(buffer.Slice(0, lf.Value)).TrimEnd('\r');
        buffer = buffer.Slice(buffer.GetPosition(1, lf.Value));
        return true;
    }

    private static string Visible(string s) =>
        string.Concat(s.Select(c => c < ' ' && c != '\t' ? $"<{(int)c:X2}>" : c.ToString()));
}

using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ChitBox.Bench.Load;
using ChitBox.Bench.Measure;
using ChitBox.Tests.Infrastructure;
using ChitBox.Tests.SmtpIngress.Integration;
using Xunit.Abstractions;

namespace ChitBox.Tests.Bench;

/// <summary>
/// The bench's load runner and delivery check, short and against the real ingress, so the
/// bench keeps working as the ingress changes. Counts only: timing belongs to the bench.
/// </summary>
public sealed class BenchSmokeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private IngressFactory _ingress = null!;
    private string _database = null!;

    public async Task InitializeAsync()
    {
        _database = (await TestServers.GetAsync()).PostgresConnectionString;
        _ingress = await IngressFactory.StartAsync();
    }

    public async Task DisposeAsync() => await _ingress.DisposeAsync();

    [Fact]
    public async Task A_short_bench_run_finds_every_accepted_message_stored_exactly_once()
    {
        var recipients = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var address = TestUsers.UniqueAddress("bench");
            await TestUsers.CreateAsync(_database, address);
            recipients.Add(address);
        }

        var target = new LoadTarget("chitbox", new IPEndPoint(IPAddress.Loopback, _ingress.SmtpPort), recipients);
        var runId = MessageToken.NewRunId();
        var timeout = TimeSpan.FromMinutes(1);
        var runs = new[]
        {
            new LoadCell(1, 2048, SessionMode.Reuse, 8, 240, timeout),
            new LoadCell(2, 2048, SessionMode.PerConnection, 4, 40, timeout),
            new LoadCell(3, 64 * 1024, SessionMode.Reuse, 2, 20, timeout, UseBdat: true),
        };

        var accepted = new List<MessageToken>();
        foreach (var cell in runs)
        {
            var result = await LoadRunner.RunAsync(target, cell, runId, MessageTemplate.Create(cell.Size));
            output.WriteLine($"{cell.Describe()}{(cell.UseBdat ? " BDAT" : "")}: {result.Attempted} sent, {result.Accepted} accepted, " +
                $"{result.TransientReplies} 4xx, {result.Rejected} 5xx, {result.GaveUp} gave up, {result.ConnectionErrors} connection errors");
            Assert.Equal(cell.Messages, result.Attempted);
            Assert.Equal(result.Attempted, result.Accepted);
            accepted.AddRange(result.AcceptedMessages.Select(m => m.Token));
        }

        var check = await DeliveryVerifier.VerifyAsync(_database, runId, accepted, CancellationToken.None);
        output.WriteLine(check.ToString());
        Assert.Empty(check.Missing);
        Assert.Empty(check.Duplicated);
        Assert.Empty(check.Unacknowledged);
        Assert.Equal(300, check.StoredRows);
    }

    [Theory]
    [InlineData(SessionMode.Reuse)]
    [InlineData(SessionMode.PerConnection)]
    public async Task The_bench_client_retries_4xx_and_never_counts_them_as_accepted(SessionMode mode)
    {
        await using var server = FlakySmtpServer.Start(refuseEvery: 3);
        var target = new LoadTarget("flaky", server.EndPoint, ["someone@flaky.example"]);
        var runId = MessageToken.NewRunId();

        var result = await LoadRunner.RunAsync(
            target, new LoadCell(1, 2048, mode, 2, 30, TimeSpan.FromMinutes(1)), runId, MessageTemplate.Create(2048));

        output.WriteLine($"{result.Accepted} accepted, {result.TransientReplies} 4xx; server refused {server.Refused}");
        Assert.Equal(30, result.Accepted);
        // A retry after a QUIT sent with the message opens a new connection rather than using the closed one.
        Assert.Equal(0, result.ConnectionErrors);
        Assert.Equal(server.Refused, result.TransientReplies);
        Assert.True(server.Refused >= 10);
        Assert.Equal(
            result.AcceptedMessages.Select(m => m.Token.ToString()).Order(),
            server.Stored.Keys.Order());
        Assert.All(server.Stored.Values, copies => Assert.Equal(1, copies));
    }

    /// <summary>A minimal pipelining SMTP server that answers every n-th message's data with 451.</summary>
    private sealed class FlakySmtpServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly int _refuseEvery;
        private readonly Task _accepting;
        private int _messages;
        private int _refused;

        private FlakySmtpServer(int refuseEvery)
        {
            _refuseEvery = refuseEvery;
            _listener.Start();
            _accepting = AcceptAsync();
        }

        public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

        public int Refused => Volatile.Read(ref _refused);

        /// <summary>Message-ID token → copies kept after a 250.</summary>
        public ConcurrentDictionary<string, int> Stored { get; } = new();

        public static FlakySmtpServer Start(int refuseEvery) => new(refuseEvery);

        private async Task AcceptAsync()
        {
            var sessions = new List<Task>();
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    sessions.Add(ServeAsync(client));
                }
            }
            catch (OperationCanceledException)
            {
            }

            await Task.WhenAll(sessions);
        }

        private async Task ServeAsync(TcpClient client)
        {
            using var _ = client;
            try
            {
                var stream = client.GetStream();
                using var reader = new StreamReader(stream, Encoding.ASCII);
                await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
                await writer.WriteLineAsync("220 flaky ESMTP");
                while (await reader.ReadLineAsync(_stop.Token) is { } line)
                {
                    var verb = line.Split(' ')[0].ToUpperInvariant();
                    if (verb == "EHLO")
                    {
                        await writer.WriteAsync("250-flaky\r\n250 PIPELINING\r\n");
                    }
                    else if (verb is "MAIL" or "RCPT" or "RSET")
                    {
                        await writer.WriteLineAsync("250 2.0.0 OK");
                    }
                    else if (verb == "DATA")
                    {
                        await writer.WriteLineAsync("354 go ahead");
                        string? token = null;
                        while (await reader.ReadLineAsync(_stop.Token) is { } data && data != ".")
                        {
                            if (data.StartsWith("Message-ID: <", StringComparison.Ordinal))
                            {
                                token = data["Message-ID: <".Length..data.IndexOf('@')];
                            }
                        }

                        if (Interlocked.Increment(ref _messages) % _refuseEvery == 0)
                        {
                            Interlocked.Increment(ref _refused);
                            await writer.WriteLineAsync("451 4.3.0 try again later");
                        }
                        else
                        {
                            Stored.AddOrUpdate(token ?? "", 1, (_, copies) => copies + 1);
                            await writer.WriteLineAsync("250 2.0.0 queued");
                        }
                    }
                    else if (verb == "QUIT")
                    {
                        await writer.WriteLineAsync("221 2.0.0 bye");
                        return;
                    }
                    else
                    {
                        await writer.WriteLineAsync("500 5.5.2 what");
                    }
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _accepting;
            _stop.Dispose();
        }
    }
}

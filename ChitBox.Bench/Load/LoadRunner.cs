using System.Diagnostics;
using System.Net.Sockets;

namespace ChitBox.Bench.Load;

/// <summary>
/// Applies one <see cref="LoadCell"/> to a <see cref="LoadTarget"/>: <c>Concurrency</c>
/// workers, each with its own connection, take message numbers from a shared counter.
/// A 4xx is retried as an MTA would, after a short growing backoff (RSET first, or a new
/// connection after 421, a broken socket, or a QUIT sent with the message); it is counted,
/// never as accepted. A 5xx is final for that message.
/// </summary>
public static class LoadRunner
{
    public const int MaxAttempts = 8;
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMilliseconds(500);

    public static async Task<LoadResult> RunAsync(
        LoadTarget target, LoadCell cell, string runId, MessageTemplate template,
        LoadProgress? progress = null, CancellationToken cancellationToken = default)
    {
        progress ??= new LoadProgress();
        var run = new CellRun(cell, cell.Messages);
        var started = Stopwatch.GetTimestamp();
        run.Started = started;
        var workers = Enumerable.Range(0, Math.Min(cell.Concurrency, cell.Messages))
            .Select(_ => Task.Run(() => WorkerAsync(target, cell, runId, template, run, progress, cancellationToken), cancellationToken))
            .ToArray();
        await Task.WhenAll(workers);
        var elapsed = Stopwatch.GetElapsedTime(started);

        var attempted = Math.Min(run.Taken, cell.Messages);
        var latencies = new List<double>(attempted);
        var accepted = new List<AcceptedMessage>(attempted);
        var rejected = 0;
        var gaveUp = 0;
        for (var sequence = 0; sequence < attempted; sequence++)
        {
            switch (run.Outcomes[sequence])
            {
                case Outcome.Accepted:
                    latencies.Add(TimeSpan.FromTicks(run.LatencyTicks[sequence]).TotalMilliseconds);
                    accepted.Add(new AcceptedMessage(
                        new MessageToken(runId, cell.Index, sequence), RecipientFor(target, sequence), run.RepliedAt[sequence]));
                    break;
                case Outcome.Rejected:
                    rejected++;
                    break;
                default:
                    gaveUp++;
                    break;
            }
        }

        return new LoadResult(cell, runId, attempted, accepted.Count, progress.Transient, rejected, gaveUp,
            progress.ConnectionErrors, elapsed, latencies, accepted);
    }

    private static string RecipientFor(LoadTarget target, int sequence) => target.Recipients[sequence % target.Recipients.Count];

    private static async Task WorkerAsync(
        LoadTarget target, LoadCell cell, string runId, MessageTemplate template, CellRun run, LoadProgress progress,
        CancellationToken cancellationToken)
    {
        var head = template.NewHead();
        SmtpConnection? connection = null;
        try
        {
            while (run.TryTake(out var sequence))
            {
                if (cell.Rate is { } rate)
                {
                    var due = TimeSpan.FromSeconds(sequence / rate) - Stopwatch.GetElapsedTime(run.Started);
                    if (due > TimeSpan.FromMilliseconds(1))
                    {
                        await Task.Delay(due, cancellationToken);
                    }
                }

                template.Stamp(head, new MessageToken(runId, cell.Index, sequence));
                var recipient = RecipientFor(target, sequence);
                run.Outcomes[sequence] = Outcome.GaveUp;
                for (var attempt = 1; attempt <= MaxAttempts; attempt++)
                {
                    try
                    {
                        if (connection is null)
                        {
                            var (opened, greeting) = await SmtpConnection.OpenAsync(target.Server, target.HeloName, cancellationToken);
                            if (opened is null)
                            {
                                if (greeting.IsTransient)
                                {
                                    progress.AddTransient();
                                    await BackoffAsync(attempt, cancellationToken);
                                    continue;
                                }

                                run.Outcomes[sequence] = Outcome.Rejected;
                                progress.AddRejected();
                                break;
                            }

                            connection = opened;
                        }

                        // One message per connection: QUIT rides with the message (when the server pipelines).
                        var result = await connection.SendMessageAsync(
                            target.Sender, recipient, head, template.Body, cell.UseBdat,
                            quitAfter: cell.Mode == SessionMode.PerConnection, cancellationToken);
                        if (connection.HasQuit || result.Reply.ClosesConnection)
                        {
                            await connection.DisposeAsync();
                            connection = null;
                        }

                        if (result.Accepted)
                        {
                            run.Outcomes[sequence] = Outcome.Accepted;
                            run.LatencyTicks[sequence] = result.Latency.Ticks;
                            run.RepliedAt[sequence] = result.RepliedAt;
                            progress.AddAccepted();
                            break;
                        }

                        if (result.Reply.IsTransient)
                        {
                            progress.AddTransient();
                            if (connection is not null)
                            {
                                await connection.ResetAsync(cancellationToken);
                            }

                            await BackoffAsync(attempt, cancellationToken);
                            continue;
                        }

                        run.Outcomes[sequence] = Outcome.Rejected;
                        progress.AddRejected();
                        if (connection is not null)
                        {
                            await connection.ResetAsync(cancellationToken);
                        }

                        break;
                    }
                    catch (Exception e) when (e is SocketException or IOException && !cancellationToken.IsCancellationRequested)
                    {
                        // A broken connection: the message may or may not have been stored, and is sent again,
                        // as an MTA would (RFC 5321 6.1 accepts the duplicate).
                        progress.AddConnectionError();
                        if (connection is not null)
                        {
                            await connection.DisposeAsync();
                            connection = null;
                        }

                        await BackoffAsync(attempt, cancellationToken);
                    }
                }

                // Still open when QUIT could not ride with the message (no PIPELINING, or a refused envelope).
                if (cell.Mode == SessionMode.PerConnection && connection is not null)
                {
                    await connection.QuitAsync(cancellationToken);
                    await connection.DisposeAsync();
                    connection = null;
                }
            }
        }
        finally
        {
            if (connection is not null)
            {
                await connection.QuitAsync(CancellationToken.None);
                await connection.DisposeAsync();
            }
        }
    }

    private static Task BackoffAsync(int attempt, CancellationToken cancellationToken)
    {
        var delay = FirstBackoff * Math.Pow(2, attempt - 1);
        return Task.Delay(delay < MaxBackoff ? delay : MaxBackoff, cancellationToken);
    }

    private enum Outcome : byte
    {
        GaveUp,
        Accepted,
        Rejected,
    }

    /// <summary>The shared counter and the per-message outcome slots of one cell.</summary>
    private sealed class CellRun(LoadCell cell, int capacity)
    {
        private int _next = -1;

        public long Started { get; set; }

        public Outcome[] Outcomes { get; } = new Outcome[capacity];

        public long[] LatencyTicks { get; } = new long[capacity];

        public long[] RepliedAt { get; } = new long[capacity];

        public int Taken => Math.Min(Volatile.Read(ref _next) + 1, capacity);

        public bool TryTake(out int sequence)
        {
            // The first message always goes, however short the duration.
            if (Volatile.Read(ref _next) >= 0 && Stopwatch.GetElapsedTime(Started) >= cell.Duration)
            {
                sequence = -1;
                return false;
            }

            sequence = Interlocked.Increment(ref _next);
            return sequence < capacity;
        }
    }
}
